/// Runs its action once `sources` sources have each said they caught up (`run --once`).
actor CatchUpBarrier {
    private var waiting: Int
    private let action: @Sendable () async -> Void

    init(sources: Int, action: @escaping @Sendable () async -> Void) {
        self.waiting = sources
        self.action = action
    }

    /// One source caught up; each source calls this once.
    func arrive() async {
        waiting -= 1
        if waiting == 0 { await action() }
    }
}
