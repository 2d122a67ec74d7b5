import ForwarderCore
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("delays grow exponentially with jitter, stay under the cap and reset after success")
    func grows() {
        var rng = SeededRandom(seed: 1)
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5), jitter: 0.5)
        var bases: [Int64] = []
        for _ in 0..<12 { bases.append(backoff.nextDelay(using: &rng).milliseconds) }
        #expect(bases[0] >= 50 && bases[0] <= 100)
        #expect(bases[3] >= 400 && bases[3] <= 800)
        #expect(bases.allSatisfy { $0 <= 5000 })
        #expect(bases.last! >= 2500)
        backoff.reset()
        #expect(backoff.nextDelay(using: &rng).milliseconds <= 100)
    }

    @Test("Retry-After wins when it is longer, but a bogus one is capped")
    func retryAfter() {
        var rng = SeededRandom(seed: 2)
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.nextDelay(retryAfter: .seconds(3), using: &rng) == .seconds(3))
        #expect(backoff.nextDelay(retryAfter: .seconds(86_400), using: &rng) == .seconds(10))
    }
}
