import ForwarderCore
import Foundation
import Journal
import NIOCore

/// What a replay was asked to do; the same request always names the same job, so running it
/// again resumes it.
package struct ReplayRequest: Sendable, Equatable {
    package var range: ReplayRange
    /// The outputs to write: file outputs write under the replay target, network outputs send.
    package var outputs: [String]
    /// Also re-emit the Event Streams events the live journal still keeps for the range.
    package var includeJournal: Bool
    /// Where file outputs write (`--output-dir`); nil: `replay-<job id>/` beside each live path.
    package var outputDirectory: String?

    package init(range: ReplayRange, outputs: [String], includeJournal: Bool = false, outputDirectory: String? = nil) {
        self.range = range
        self.outputs = outputs
        self.includeJournal = includeJournal
        self.outputDirectory = outputDirectory
    }

    /// `r-<from day>-<to day>-<hash of the whole request>`, e.g. `r-20261103-20261106-3fa2c1`.
    package var id: String {
        let key = "\(range.from.epochMilliseconds)|\(range.to.epochMilliseconds)|\(outputs.sorted().joined(separator: ","))|\(includeJournal)|\(outputDirectory ?? "")"
        let last = Timestamp(epochMilliseconds: range.to.epochMilliseconds - 1).utcDate
        func compact(_ day: CivilDate) -> String { day.description.filter { $0 != "-" } }
        return "r-\(compact(range.from.utcDate))-\(compact(last))-" + String(StableHash.hex(Array(key.utf8)).prefix(6))
    }
}

/// Where a job stands.
package enum ReplayState: String, Sendable, Equatable {
    case running, done, cancelled, failed
}

/// A replay job's record: its request, state and counters, stored in the job's own journal
/// (`state.dir/replays/<id>/journal.sqlite`), never in the live one.
package struct ReplayJobRecord: Sendable, Equatable {
    package var id: String
    package var request: ReplayRequest
    package var state: ReplayState
    package var created: Timestamp
    package var finished: Timestamp?
    package var lastError: String?

    /// The stored form.
    func encoded() -> [UInt8] {
        var b = ByteBuffer()
        b.writeStaticString("{\"id\":")
        b.writeJSONString(id)
        b.writeStaticString(",\"from\":")
        b.writeJSONString(request.range.from.rfc3339)
        b.writeStaticString(",\"to\":")
        b.writeJSONString(request.range.to.rfc3339)
        b.writeStaticString(",\"outputs\":[")
        for (k, output) in request.outputs.enumerated() {
            if k > 0 { b.writeStaticString(",") }
            b.writeJSONString(output)
        }
        b.writeStaticString("],\"include_journal\":")
        b.writeStaticString(request.includeJournal ? "true" : "false")
        if let directory = request.outputDirectory {
            b.writeStaticString(",\"output_dir\":")
            b.writeJSONString(directory)
        }
        b.writeStaticString(",\"state\":")
        b.writeJSONString(state.rawValue)
        b.writeStaticString(",\"created\":")
        b.writeJSONString(created.rfc3339)
        if let finished {
            b.writeStaticString(",\"finished\":")
            b.writeJSONString(finished.rfc3339)
        }
        if let lastError {
            b.writeStaticString(",\"last_error\":")
            b.writeJSONString(lastError)
        }
        b.writeStaticString("}")
        return Array(b.readableBytesView)
    }

    init?(encoded bytes: [UInt8]) {
        guard let v = try? JSONReader.parse(bytes), let id = v["id"]?.stringValue,
              let from = v["from"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }),
              let to = v["to"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }),
              let state = v["state"]?.stringValue.flatMap(ReplayState.init(rawValue:)),
              let created = v["created"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }) else { return nil }
        var outputs: [String] = []
        if case .array(let items)? = v["outputs"] { outputs = items.compactMap(\.stringValue) }
        self.id = id
        self.request = ReplayRequest(range: ReplayRange(from: from, to: to), outputs: outputs,
                                     includeJournal: v["include_journal"] == .bool(true), outputDirectory: v["output_dir"]?.stringValue)
        self.state = state
        self.created = created
        self.finished = v["finished"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        self.lastError = v["last_error"]?.stringValue
    }

    init(request: ReplayRequest, created: Timestamp) {
        self.id = request.id
        self.request = request
        self.state = .running
        self.created = created
    }
}

/// One day of a job: fetched (its events are in the job's journal), how many, with how many requests.
package struct ReplayDay: Sendable, Equatable {
    package var day: CivilDate
    package var fetched: Bool
    package var events: Int
    package var requests: Int
    /// Every file output holds the day (in complete files).
    package var written: Bool
    /// Network outputs that received the day (at least once).
    package var sent: [String]

    package init(day: CivilDate, fetched: Bool = false, events: Int = 0, requests: Int = 0, written: Bool = false, sent: [String] = []) {
        self.day = day
        self.fetched = fetched
        self.events = events
        self.requests = requests
        self.written = written
        self.sent = sent
    }

    static func source(_ day: CivilDate) -> SourceID { SourceID(rawValue: "replay-day:\(day)") }

    func encoded() -> [UInt8] {
        var b = ByteBuffer()
        b.writeStaticString("{\"fetched\":")
        b.writeStaticString(fetched ? "true" : "false")
        b.writeStaticString(",\"events\":")
        b.writeString(String(events))
        b.writeStaticString(",\"requests\":")
        b.writeString(String(requests))
        b.writeStaticString(written ? ",\"written\":true" : ",\"written\":false")
        b.writeStaticString(",\"sent\":[")
        for (k, output) in sent.enumerated() {
            if k > 0 { b.writeStaticString(",") }
            b.writeJSONString(output)
        }
        b.writeStaticString("]}")
        return Array(b.readableBytesView)
    }

    init(day: CivilDate, encoded bytes: [UInt8]) {
        let v = try? JSONReader.parse(bytes)
        self.day = day
        fetched = v?["fetched"] == .bool(true)
        events = v?["events"]?.scalarText.flatMap { Int($0) } ?? 0
        requests = v?["requests"]?.scalarText.flatMap { Int($0) } ?? 0
        written = v?["written"] == .bool(true)
        if case .array(let items)? = v?["sent"] { sent = items.compactMap(\.stringValue) } else { sent = [] }
    }
}

/// The files of replay jobs under `state.dir/replays/`: where a job lives, which jobs exist.
package enum ReplayJobs {
    package static func directory(stateDir: String, id: String) -> String {
        (stateDir as NSString).appendingPathComponent("replays/" + id)
    }

    /// The marker a `replay cancel` leaves for a running job.
    static func cancelMarker(_ directory: String) -> String { directory + "/cancel" }

    static let jobSource = SourceID(rawValue: "replay-job")

    /// Every job in `stateDir` with its days, newest first (read beside running jobs).
    package static func list(stateDir: String) async -> [(record: ReplayJobRecord, days: [ReplayDay])] {
        let root = (stateDir as NSString).appendingPathComponent("replays")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var jobs: [(ReplayJobRecord, [ReplayDay])] = []
        for name in names where Journal.exists(inDirectory: root + "/" + name) {
            guard let journal = try? Journal(directory: root + "/" + name) else { continue }
            if let bytes = try? await journal.checkpoint(of: jobSource), var record = ReplayJobRecord(encoded: bytes) {
                if record.state == .running, FileManager.default.fileExists(atPath: cancelMarker(root + "/" + name)) { record.state = .cancelled }
                var days: [ReplayDay] = []
                for day in record.request.range.days {
                    let bytes = try? await journal.checkpoint(of: ReplayDay.source(day))
                    days.append(bytes.map { ReplayDay(day: day, encoded: $0) } ?? ReplayDay(day: day))
                }
                jobs.append((record, days))
            }
            await journal.close()
        }
        return jobs.sorted { $0.0.created > $1.0.created }
    }

    /// Asks a job to stop: a running replay notices between pages; one that is not running is
    /// marked cancelled when it is next looked at. False when there is no such job. A job just
    /// started has its directory before its journal (the runner opens that when it begins), and
    /// can be cancelled already.
    package static func cancel(stateDir: String, id: String) -> Bool {
        let directory = directory(stateDir: stateDir, id: id)
        var isDirectory: ObjCBool = false
        guard Journal.exists(inDirectory: directory)
            || (FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) else { return false }
        return FileManager.default.createFile(atPath: cancelMarker(directory), contents: Data())
    }
}

extension ReplayJobs {
    /// One line per job and what it has done: `r-…  running  3/10 days, 41250 events  2026-11-03 – 2026-11-13`.
    package static func lines(_ jobs: [(record: ReplayJobRecord, days: [ReplayDay])]) -> [String] {
        jobs.map { job in
            let done = job.days.filter(\.written).count
            let events = job.days.reduce(0) { $0 + $1.events }
            let error = job.record.lastError.map { " — last error: \($0)" } ?? ""
            return "\(job.record.id)  \(job.record.state.rawValue)  \(done)/\(job.days.count) days, \(events) events  "
                + "\(job.record.request.range)\(error)"
        }
    }
}
