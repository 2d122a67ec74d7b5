import ForwarderCore
import Testing

@Suite("Timestamps and dates")
struct TimestampTests {
    @Test("every date form Twilio and its clients send parses to the same instant", arguments: [
        ("2026-11-20T08:15:00Z", 1_795_162_500_000 as Int64),
        ("2026-11-20T08:15:00.000Z", 1_795_162_500_000),
        ("2026-11-20T08:15:00+00:00", 1_795_162_500_000),
        ("2026-11-20T08:15:00+0000", 1_795_162_500_000),
        ("2026-11-20T09:15:00+01:00", 1_795_162_500_000),
        ("2026-11-20T03:15:00-0500", 1_795_162_500_000),
        ("2026-11-20T08:15:00 0000", 1_795_162_500_000),
        ("2026-11-20 08:15:00Z", 1_795_162_500_000),
        ("2026-11-20T08:15:00.123456Z", 1_795_162_500_123),
        ("2026-11-20", 1_795_132_800_000),
    ])
    func parses(text: String, expected: Int64) {
        #expect(Timestamp(iso8601: text)?.epochMilliseconds == expected)
    }

    @Test("malformed dates are rejected, not guessed", arguments: [
        "", "2026", "2026-13-01", "2026-02-30", "2026-11-20T08:15:00", "2026-11-20T25:00:00Z",
        "2026-11-20T08:15:00Zjunk", "yesterday", "2026-11-20T08:15Z+", "2026-11-20T08:15:00.Z",
    ])
    func rejects(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test("the RFC 3339 form takes RFC 3339 and dates, and refuses what only the lenient form takes", arguments: [
        ("2026-11-20T08:15:00Z", true), ("2026-11-20t08:15:00.5z", true), ("2026-11-20T09:15:00+01:00", true),
        ("2026-11-20", true), ("2026-11-20T08:15:00+0000", false), ("2026-11-20 08:15:00Z", false),
        ("2026-11-20T08:15Z", false), ("2026-11-20T08:15:00,5Z", false), ("2026-11-20T08:15:00 00:00", false),
    ])
    func strictForm(text: String, accepted: Bool) {
        let strict = Timestamp(text, form: .rfc3339)
        #expect((strict != nil) == accepted)
        if let strict { #expect(strict == Timestamp(iso8601: text)) }
        #expect(Timestamp(iso8601: text) != nil)
    }

    @Test("a leap second counts as the second before it, in both forms")
    func leapSecond() {
        let before = Timestamp(iso8601: "2016-12-31T23:59:59Z")
        #expect(Timestamp(iso8601: "2016-12-31T23:59:60Z") == before)
        #expect(Timestamp("2016-12-31T23:59:60Z", form: .rfc3339) == before)
    }

    @Test("RFC 3339 output is UTC with milliseconds and round-trips")
    func formats() {
        let t = Timestamp(epochMilliseconds: 1_795_162_500_042)
        #expect(t.rfc3339 == "2026-11-20T08:15:00.042Z")
        #expect(t.rfc3339Seconds == "2026-11-20T08:15:00Z")
        #expect(Timestamp(iso8601: t.rfc3339) == t)
        #expect(Timestamp(epochMilliseconds: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
    }

    @Test("civil dates round-trip across four centuries")
    func civilDates() {
        var rng = SeededRandom(seed: 3)
        for _ in 0..<5000 {
            let days = Int64.random(in: -200_000...200_000, using: &rng)
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(date.isValid)
            #expect(Timestamp(iso8601: date.description) == date.startOfDay)
        }
        #expect(CivilDate(year: 2024, month: 2, day: 29).isValid)
        #expect(!CivilDate(year: 2025, month: 2, day: 29).isValid)
        #expect(CivilDate(year: 2026, month: 12, day: 31).next == CivilDate(year: 2027, month: 1, day: 1))
    }

    @Test("arithmetic with huge durations saturates instead of wrapping into the past")
    func saturation() {
        let now = Timestamp(epochMilliseconds: 1_764_000_000_000)
        #expect(Duration.seconds(Int64.max / 4).milliseconds == Int64.max)
        #expect(Duration.seconds(Int64.min / 4).milliseconds == Int64.min)
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(now.adding(.seconds(Int64.max / 4)) > now)
        #expect(now.subtracting(.seconds(Int64.max / 4)) < now)
        #expect(Timestamp.distantFuture.duration(since: Timestamp(epochMilliseconds: Int64.min)) > .zero)
    }
}
