import ForwarderCore
import Testing

@Suite("Repeated failures logged once a minute with a count")
struct RepeatedMessagesTests {
    static let t0 = Timestamp(epochMilliseconds: 1_800_000_000_000)

    @Test("the same message is held back for the interval, then logged with how often it repeated; another message or a reset starts over")
    func table() {
        var repeats = RepeatedMessages(interval: .seconds(60))
        let steps: [(String, Double, Bool, Int)] = [
            ("disk full", 0, true, 0),
            ("disk full", 10, false, 0),
            ("disk full", 59.9, false, 0),
            ("disk full", 60, true, 2),
            ("disk full", 61, false, 0),
            ("connection refused", 62, true, 0),
            ("connection refused", 63, false, 0),
        ]
        for (message, seconds, log, repeated) in steps {
            let now = Self.t0.adding(.milliseconds(Int64(seconds * 1000)))
            let answer = repeats.record(message, now: now)
            #expect(answer.log == log && answer.repeated == repeated, "\(message) at \(seconds) s")
        }
        repeats.reset()
        #expect(repeats.record("connection refused", now: Self.t0.adding(.seconds(64))).log, "logged at once after a success")
    }
}
