import Foundation
import Testing
@testable import TwilioSimulator

@Suite("StartDate / EndDate")
struct DateFilterTests {
    /// The same instant, 2026-11-18T15:30:00Z, in every form clients send (query-encoded).
    static let startForms: [String] = [
        "2026-11-18T15:30:00Z",
        "2026-11-18T15:30:00.250Z",
        "2026-11-18t15:30:00z",
        "2026-11-18T17:30:00%2B02:00",
        "2026-11-18T10:30:00-05:00",
        "2026-11-18T15:30:00%2B0000",
        "2026-11-18T15:30:00+0000",  // unencoded '+': arrives as a space
        "2026-11-18T15:30:00%200000",
        "2026-11-18T17:30:00.123456%2B0200",
    ]

    @Test("day precision ignores the time of day, for every accepted form", arguments: startForms)
    func dayPrecision(start: String) async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let (events, _) = try await listAll(simulator, query: "StartDate=\(start)&EndDate=2026-11-19T03:00:00%2B02:00&PageSize=1000")
            // EndDate 03:00+02:00 is 01:00Z on the 19th: the whole 19th is included.
            let expected = await groundTruthObjects(simulator).filter {
                let date = $0["event_date"] as! String
                return date >= "2026-11-18T00:00:00Z" && date <= "2026-11-19T23:59:59Z"
            }
            #expect(Set(sids(events)) == Set(sids(expected)))
            #expect(events.count > 700)
        }
    }

    @Test("a date-only range covers whole UTC days, including both midnight edges")
    func dateOnlyRange() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let (events, _) = try await listAll(simulator, query: "StartDate=2026-11-19&EndDate=2026-11-19&PageSize=1000")
            let dates = events.map { $0["event_date"] as! String }
            #expect(dates.allSatisfy { $0.hasPrefix("2026-11-19") })
            #expect(dates.contains("2026-11-19T00:00:00Z"))
            #expect(dates.contains("2026-11-19T23:59:59Z"))
        }
    }

    @Test("second precision filters exact instants, inclusive at both ends", arguments: [
        ("2026-11-18T23:59:59Z", "2026-11-19T00:00:00Z"),
        ("2026-11-19T01:59:59%2B02:00", "2026-11-19T00:00:00%2B0000"),
        ("2026-11-18T23:59:58.500Z", "2026-11-19T00:00:00.999Z"),
        ("2026-11-18T23:59:59%200000", "2026-11-18T19:00:00-05:00"),
    ])
    func secondPrecision(start: String, end: String) async throws {
        var configuration = quietConfiguration()
        configuration.filterPrecision = .second
        try await withSimulator(configuration) { simulator in
            let (events, _) = try await listAll(simulator, query: "StartDate=\(start)&EndDate=\(end)&PageSize=1000")
            let expected = await groundTruthObjects(simulator).filter {
                let date = $0["event_date"] as! String
                return date >= "2026-11-18T23:59:59Z" && date <= "2026-11-19T00:00:00Z"
            }
            #expect(Set(sids(events)) == Set(sids(expected)))
            #expect(expected.count >= 4, "the history puts several events on both sides of midnight")
        }
    }

    @Test("a date-only EndDate under second precision is that midnight instant")
    func secondPrecisionDateOnly() async throws {
        var configuration = quietConfiguration()
        configuration.filterPrecision = .second
        try await withSimulator(configuration) { simulator in
            let (events, _) = try await listAll(simulator, query: "StartDate=2026-11-18T23:59:59Z&EndDate=2026-11-19&PageSize=1000")
            let dates = Set(events.map { $0["event_date"] as! String })
            #expect(dates == ["2026-11-18T23:59:59Z", "2026-11-19T00:00:00Z"])
        }
    }

    @Test("an unreadable date answers 400 naming the parameter and value", arguments: [
        ("StartDate", "yesterday"), ("EndDate", "2026-11-18T15:30"), ("StartDate", "2026-11-18T15:30:00"),
        ("StartDate", "2026-13-01"), ("EndDate", "2026-02-30"), ("StartDate", "2026-11-18T15:30:00%2B02"),
        ("EndDate", "20261118"), ("StartDate", "2026-11-18T25:00:00Z"),
    ])
    func badDate(parameter: String, value: String) async throws {
        try await withSimulator(quietConfiguration(days: 1, perDay: 10)) { simulator in
            let result = try await get(simulator, "/v1/Events?\(parameter)=\(value)")
            #expect(result.status == 400)
            let json = try #require(result.json)
            #expect(json["code"] as? Int == 20001)
            #expect(json["status"] as? Int == 400)
            #expect(json["more_info"] as? String == "https://www.twilio.com/docs/errors/20001")
            let message = try #require(json["message"] as? String)
            #expect(message.contains(parameter))
            #expect(message.contains(value.removingPercentEncoding ?? value))
        }
    }

    @Test("the parser reads offsets, fractions and the space-for-plus form")
    func parser() {
        let reference = DateFilterParsing.parse("2026-11-18T15:30:00Z")
        #expect(reference?.epochMilliseconds == 1_795_015_800_000)
        #expect(DateFilterParsing.parse("2026-11-18T17:30:00+02:00") == reference)
        #expect(DateFilterParsing.parse("2026-11-18T17:30:00+0200") == reference)
        #expect(DateFilterParsing.parse("2026-11-18T17:30:00 0200") == reference)
        #expect(DateFilterParsing.parse("2026-11-18 15:30:00Z") == reference)
        #expect(DateFilterParsing.parse("2026-11-18T15:30:00.5Z")?.epochMilliseconds == 1_795_015_800_500)
        #expect(DateFilterParsing.parse("2026-11-18")?.isDateOnly == true)
        #expect(DateFilterParsing.parse("2024-02-29") != nil)
        #expect(DateFilterParsing.parse("2025-02-29") == nil)
        #expect(DateFilterParsing.parse("2026-11-18T15:30:00.Z") == nil)
        #expect(DateFilterParsing.parse("2026-11-18T15:30:00Z ") == nil)
        let instant = DateFilterParsing.ParsedDate(epochMilliseconds: 1_795_015_800_500, isDateOnly: false)
        #expect(DateFilterParsing.lowerBound(instant, precision: .second) == 1_795_015_801)
        #expect(DateFilterParsing.upperBound(instant, precision: .second) == 1_795_015_800)
        #expect(DateFilterParsing.lowerBound(instant, precision: .day) == 1_794_960_000)
        #expect(DateFilterParsing.upperBound(instant, precision: .day) == 1_795_046_399)
    }
}
