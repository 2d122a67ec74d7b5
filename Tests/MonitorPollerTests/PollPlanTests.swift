import ForwarderCore
import MonitorPoller
import Testing

@Suite("Poll plan (the cursor algorithm, without I/O)")
struct PollPlanTests {
    let day = CivilDate(year: 2026, month: 11, day: 20)
    let plan = PollPlan(lookback: .seconds(600))

    @Test("first run backfills one settled UTC day at a time, then goes live with an overlap")
    func backfillThenLive() {
        let now = CivilDate(year: 2026, month: 11, day: 23).startOfDay.adding(.seconds(3 * 3600))
        var cursor = PollPlan.initialCursor(start: .backfill(.seconds(3 * 86_400)), now: now)
        #expect(cursor.phase == .backfill(day))
        var days: [CivilDate] = []
        while case .backfill(let next) = cursor.phase {
            let window = plan.window(for: cursor, now: now)
            guard case .backfillDay(let d) = window.kind else { break }
            #expect(d == next)
            #expect(window.start == d.startOfDay)
            #expect(window.end == d.next.startOfDay.subtracting(.seconds(1)))
            days.append(d)
            cursor = plan.cursor(after: window, previous: cursor, newestSeen: nil, pollStartedAt: now)
            #expect(cursor.watermark == d.next.startOfDay.subtracting(.milliseconds(1)))
            #expect(cursor.reportedWatermark == d.next.startOfDay.subtracting(.milliseconds(1)), "a fetched day is seen to its end")
        }
        #expect(days == [day, day.next, day.next.next])
        let live = plan.window(for: cursor, now: now)
        #expect(live.kind == .live)
        #expect(live.start == CivilDate(year: 2026, month: 11, day: 23).startOfDay.subtracting(.seconds(600)))
        #expect(live.end == nil)
    }

    @Test("live windows start lookback before the newest event; they settle lookback behind the poll but report what they saw: the poll's start")
    func liveWindows() {
        let now = day.startOfDay.adding(.seconds(12 * 3600))
        let cursor = MonitorCursor(phase: .live, newest: now.subtracting(.seconds(30)), watermark: nil)
        let window = plan.window(for: cursor, now: now)
        #expect(window.start == now.subtracting(.seconds(630)))
        #expect(window.stopBefore == window.start)
        let after = plan.cursor(after: window, previous: cursor, newestSeen: now.subtracting(.seconds(5)), pollStartedAt: now)
        #expect(after.newest == now.subtracting(.seconds(5)))
        #expect(after.watermark == now.subtracting(.seconds(600)))
        #expect(after.seen == now)
        #expect(after.reportedWatermark == now, "the merger is not held back by the re-fetch overlap")
        #expect(MonitorCursor(encoded: after.encoded()) == after, "seen is stored with the cursor")
        let old = MonitorCursor(phase: .live, newest: now, watermark: now.subtracting(.seconds(600)))
        #expect(old.reportedWatermark == old.watermark, "a cursor from before `seen` reports what it settled")
    }

    @Test("a quiet account does not widen the window: the next window starts where the last one was settled")
    func quietAccount() {
        let now = day.startOfDay.adding(.seconds(12 * 3600))
        let cursor = MonitorCursor(phase: .live, newest: now.subtracting(.seconds(5 * 86_400)), watermark: nil)
        let window = plan.window(for: cursor, now: now)
        let after = plan.cursor(after: window, previous: cursor, newestSeen: nil, pollStartedAt: now)
        #expect(after.watermark == now.subtracting(.seconds(600)))
        #expect(plan.window(for: after, now: now.adding(.seconds(60))).start == now.subtracting(.seconds(600)).adding(.milliseconds(1)))
    }

    @Test("a bogus future event_date never moves the window past the settled point")
    func futureEvent() {
        let now = day.startOfDay.adding(.seconds(12 * 3600))
        let cursor = MonitorCursor(phase: .live, newest: now.adding(.seconds(86_400 * 30)), watermark: now.subtracting(.seconds(700)))
        #expect(plan.window(for: cursor, now: now).start == now.subtracting(.seconds(600)))
    }

    @Test("paging stops at the first page that reaches events older than the window")
    func pagingStop() {
        let start = day.startOfDay.adding(.seconds(3600))
        let window = PollWindow(kind: .live, start: start, end: nil, stopBefore: start)
        func e(_ ms: Int64) -> TwilioEvent {
            TwilioEvent(id: "x", dedupKey: "x", time: start.adding(.milliseconds(ms)), origin: .monitor, type: "t", raw: [])
        }
        #expect(plan.shouldFetchNextPage(after: [e(5000), e(0)], hasNextPage: true, window: window))
        #expect(!plan.shouldFetchNextPage(after: [e(5000), e(-1)], hasNextPage: true, window: window))
        #expect(!plan.shouldFetchNextPage(after: [e(5000)], hasNextPage: false, window: window))
    }

    @Test("the cursor survives its stored form")
    func cursorEncoding() {
        let cursors = [
            MonitorCursor(phase: .backfill(day)),
            MonitorCursor(phase: .live, newest: day.startOfDay.adding(.milliseconds(1234)), watermark: day.startOfDay),
        ]
        for cursor in cursors {
            #expect(MonitorCursor(encoded: cursor.encoded()) == cursor)
        }
        #expect(MonitorCursor(encoded: Array("garbage".utf8)) == nil)
    }

    @Test("the stored form is compact JSON with sorted keys, as journals written by earlier versions hold it")
    func cursorStoredBytes() {
        let backfill = MonitorCursor(phase: .backfill(day), newest: day.startOfDay)
        #expect(String(decoding: backfill.encoded(), as: UTF8.self)
            == #"{"day":"2026-11-20","newest":"2026-11-20T00:00:00.000Z","phase":"backfill"}"#)
        let live = MonitorCursor(phase: .live, newest: day.startOfDay.adding(.milliseconds(1234)), watermark: day.startOfDay,
                                 seen: day.startOfDay.adding(.seconds(60)))
        #expect(String(decoding: live.encoded(), as: UTF8.self)
            == #"{"newest":"2026-11-20T00:00:01.234Z","phase":"live","seen":"2026-11-20T00:01:00.000Z","#
            + #""watermark":"2026-11-20T00:00:00.000Z"}"#)
        #expect(String(decoding: MonitorCursor(phase: .live).encoded(), as: UTF8.self) == #"{"phase":"live"}"#)
    }
}
