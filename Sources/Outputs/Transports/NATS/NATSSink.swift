import ForwarderCore
import Journal
import Logging
import NATSClient
import NIOCore
import NIOPosix

/// Publishes each record to a JetStream stream with its dedup key as `Nats-Msg-Id`, and commits
/// the output's position only once JetStream acknowledged every record up to it. A crash or a
/// lost acknowledgement sends the batch again; the stream's duplicate window drops what it
/// already stored, so the stream holds each event once. The blocking C client runs on NIO's
/// thread pool, one call at a time.
package actor NATSSink: RecordSink {
    private let name: String
    private let settings: NATSTransportConfig
    private let logger: Logger
    private let subject: NATSSubjectTemplate
    private var connection: NATSConnection?

    package init(name: String, settings: NATSTransportConfig, logger: Logger) {
        self.name = name
        self.settings = settings
        self.subject = NATSSubjectTemplate(settings.subject)
        self.logger = logger
    }

    /// Nothing to undo: what reached the stream before a crash is deduplicated when resent.
    /// Connects and checks the stream once, so a missing stream is reported at start.
    package func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
        let connection = try await connected()
        let window: Duration
        do {
            window = try await NIOThreadPool.singleton.runIfActive { [stream = settings.stream] in try connection.duplicateWindow(of: stream) }
        } catch let error as NATSError {
            throw error.for(output: name)
        }
        logger.info("Output \(name) publishes to JetStream stream \(settings.stream)", metadata: [
            "servers": "\(settings.client.servers.joined(separator: ","))", "duplicate_window_s": "\(window.secondsDouble)",
        ])
        return position
    }

    package func write(_ batch: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws {
        guard batch.count > 0 else { return }
        let connection = try await connected()
        let subjects = batch.records.map(subject.subject(for:))
        let ids = batch.records.map { NATSConnection.messageID($0.key) }
        do {
            try await NIOThreadPool.singleton.runIfActive { [settings] in
                try connection.publish(batch.bytes, lengths: batch.lengths, subjects: subjects, ids: ids,
                                       stream: settings.stream, ackWait: settings.ackWait)
            }
        } catch let error as NATSError {
            throw error.for(output: name)
        }
        try await commit(.position(OutputPosition(sequence: batch.through)))
    }

    package func tick(now: Timestamp, commit: OutputCommitter) async throws {}

    package func nextDeadline() async -> Timestamp? { nil }

    package func finish(now: Timestamp, commit: OutputCommitter) async throws {
        guard let connection else { return }
        self.connection = nil
        try? await NIOThreadPool.singleton.runIfActive { connection.close() }
    }

    /// Connects as `run` would and returns the stream's duplicate window (`validate --connect`).
    package static func preflight(output: String, settings: NATSTransportConfig) async throws -> Duration {
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                let connection = try NATSConnection(settings.client, maxPending: settings.maxPending, wait: settings.ackWait)
                defer { connection.close() }
                return try connection.duplicateWindow(of: settings.stream)
            }
        } catch let error as NATSError {
            throw error.for(output: output)
        }
    }

    private func connected() async throws -> NATSConnection {
        if let connection { return connection }
        let settings = self.settings
        let opened: NATSConnection
        do {
            opened = try await NIOThreadPool.singleton.runIfActive {
                try NATSConnection(settings.client, maxPending: settings.maxPending, wait: settings.ackWait)
            }
        } catch let error as NATSError {
            throw error.for(output: name)
        }
        connection = opened
        return opened
    }
}
