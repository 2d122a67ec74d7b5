@testable import EventStreamsReceiver
import Synchronization
import Testing

@Suite("Waiting for a commit at most until a deadline")
struct ResponseDeadlineTests {
    @Test("work that ends in time gives its result, every time, even with many waiting at once")
    func inTime() async throws {
        let done = DoneCount()
        let rounds = 2_000
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for round in 0..<rounds {
                group.addTask {
                    let value = try await ResponseDeadline.run(within: .seconds(30)) { round } whenDone: {
                        done.count.add(1, ordering: .relaxed)
                    }
                    return value == round
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == rounds && results.allSatisfy { $0 })
        #expect(done.count.load(ordering: .relaxed) == rounds)
    }

    @Test("work that outlasts the deadline is reported as exceeded and still runs to its end")
    func exceeded() async throws {
        let (finished, finish) = AsyncStream<Void>.makeStream()
        let (gate, open) = AsyncStream<Void>.makeStream()
        await #expect(throws: ResponseDeadline.Exceeded.self) {
            try await ResponseDeadline.run(within: .milliseconds(50)) {
                for await _ in gate { break }
                return 1
            } whenDone: {
                finish.finish()
            }
        }
        open.yield()
        for await _ in finished {}
    }
}

/// How many times `whenDone` ran.
private final class DoneCount: Sendable {
    let count = Atomic<Int>(0)
}
