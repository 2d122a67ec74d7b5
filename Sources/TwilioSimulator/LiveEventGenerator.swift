/// Adds live Monitor events at a rate with random (exponential) spacing, until cancelled.
struct LiveEventGenerator: Sendable {
    var state: MonitorState
    var eventsPerMinute: Double
    var seed: UInt64

    func run() async {
        guard eventsPerMinute > 0 else { return }
        var timing = SplitMix64(seed: seed, stream: RandomStream.live, index: .max)
        let meanGap = 60 / eventsPerMinute
        while !Task.isCancelled {
            await state.waitWhilePaused()
            do {
                try await Task.sleep(for: .seconds(min(timing.nextExponential(mean: meanGap), 3600)))
            } catch {
                return
            }
            state.addLiveEvent(nowMs: state.clock.nowMs())
        }
    }
}
