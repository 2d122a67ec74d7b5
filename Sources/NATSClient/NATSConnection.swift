import CNats
import ForwarderCore
import Foundation
import NIOCore

/// A NATS failure as one sentence: what was being done, where, and the library's or the
/// server's reason.
package struct NATSError: Error, CustomStringConvertible, Sendable, Equatable {
    package var action: String
    package var reason: String
    /// Who failed — `Output bus`, `The NATS source` — once the caller knows.
    package var party: String?

    package init(action: String, reason: String, party: String? = nil) {
        self.action = action
        self.reason = reason
        self.party = party
    }

    package var description: String {
        (party.map { "\($0) could not " } ?? "Could not ") + "\(action): \(reason)."
    }

    /// The error as the output `name`'s.
    package func `for`(output name: String) -> NATSError {
        var error = self
        error.party = "Output \(name)"
        return error
    }

    /// The error as the NATS source's.
    package func forSource() -> NATSError {
        var error = self
        error.party = "The NATS source"
        return error
    }
}

/// One connection to a NATS cluster with a JetStream context (libnats, the C client). Not
/// thread-safe: the NATS sink and the NATS source each call theirs from one task at a time, on a
/// thread that may block.
package final class NATSConnection: @unchecked Sendable {
    private var connection: OpaquePointer?
    private(set) var jetStream: OpaquePointer?
    private let acks = UnsafeMutablePointer<cnats_ack_state>.allocate(capacity: 1)
    package let settings: NATSClientConfig

    /// Connects (reconnecting forever with back-off across the servers once connected) and
    /// opens the JetStream context: at most `maxPending` asynchronous publishes unacknowledged,
    /// and JetStream API calls waiting up to `wait`.
    package init(_ settings: NATSClientConfig, maxPending: Int = 4096, wait: Duration = .seconds(10)) throws(NATSError) {
        self.settings = settings
        acks.initialize(to: cnats_ack_state())
        var options: OpaquePointer?
        try Self.check(natsOptions_Create(&options), "configure the NATS client")
        defer { natsOptions_Destroy(options) }
        var servers = settings.servers.map { strdup($0) }
        defer { servers.forEach { free($0) } }
        let serversSet = servers.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                natsOptions_SetServers(options, $0, Int32(buffer.count))
            }
        }
        try Self.check(serversSet, "use the NATS servers \(settings.servers.joined(separator: ", "))")
        try Self.check(natsOptions_SetMaxReconnect(options, -1), "configure reconnects")
        try Self.check(natsOptions_SetReconnectWait(options, 250), "configure reconnects")
        try Self.check(natsOptions_SetTimeout(options, 5000), "configure the connect timeout")
        if let user = settings.user {
            try Self.check(natsOptions_SetUserInfo(options, user, settings.password), "set the NATS user")
        }
        if let token = settings.token {
            try Self.check(natsOptions_SetToken(options, token), "set the NATS token")
        }
        if let credentials = settings.credentialsFile {
            try Self.check(natsOptions_SetUserCredentialsFromFiles(options, credentials, nil), "read the NATS credentials file \(credentials)")
        }
        if let ca = settings.caFile {
            try Self.check(natsOptions_SetSecure(options, true), "enable TLS")
            try Self.check(natsOptions_LoadCATrustedCertificates(options, ca), "load the CA file \(ca)")
        }
        try Self.check(natsConnection_Connect(&connection, options), "connect to NATS at \(settings.servers.joined(separator: ", "))")
        let opened = cnats_jetstream(&jetStream, connection, Int64(maxPending), wait.milliseconds, acks)
        if opened != NATS_OK {
            close()
            throw NATSError(action: "open a JetStream context", reason: Self.lastError(opened))
        }
    }

    deinit {
        close()
        acks.deallocate()
    }

    /// Sends everything buffered and waits for the server's answer, at most `timeout`.
    func flush(timeout: Duration) -> natsStatus {
        natsConnection_FlushTimeout(connection, timeout.milliseconds)
    }

    package func close() {
        if let jetStream { jsCtx_Destroy(jetStream) }
        jetStream = nil
        if let connection { natsConnection_Destroy(connection) }
        connection = nil
    }

    /// The stream's duplicate window (`duplicate_window`), which bounds how late a resend is
    /// still recognised as a duplicate.
    package func duplicateWindow(of stream: String) throws(NATSError) -> Duration {
        var status = NATS_OK
        var code: Int32 = 0
        let window = cnats_stream_duplicates_ms(jetStream, stream, &status, &code)
        guard window >= 0 else {
            let reason = code == 10059 ? "the stream does not exist (create it, e.g. `nats stream add \(stream)`)" : Self.lastError(status)
            throw NATSError(action: "look up the JetStream stream \(stream)", reason: reason)
        }
        return .milliseconds(window)
    }

    /// Publishes `count` messages — message `k` is `lengths[k]` bytes of `bytes` after the
    /// previous ones, to `subjects[k]` with `Nats-Msg-Id: ids[k]` — and returns once JetStream
    /// acknowledged all of them; throws when any was refused or not acknowledged within
    /// `ackWait` (the caller sends them again: the stream drops the ones it already has).
    package func publish(_ bytes: ByteBuffer, lengths: [Int], subjects: [String], ids: [String], stream: String,
                        ackWait: Duration) throws(NATSError) {
        acks.pointee = cnats_ack_state()
        var offset = 0
        for k in lengths.indices {
            let length = lengths[k]
            let status = bytes.withUnsafeReadableBytes { bytes in
                cnats_publish(jetStream, subjects[k], ids[k], stream, bytes.baseAddress! + offset, Int32(length))
            }
            guard status == NATS_OK else {
                _ = cnats_complete(jetStream, 1)
                throw NATSError(action: "publish to \(subjects[k]) in stream \(stream)", reason: Self.lastError(status))
            }
            offset += length
        }
        let completed = cnats_complete(jetStream, ackWait.milliseconds)
        let failures = acks.pointee.failures
        if failures > 0 {
            let text = withUnsafeBytes(of: acks.pointee.firstError) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw NATSError(action: "store \(failures) of \(lengths.count) records in stream \(stream)", reason: text)
        }
        guard completed == NATS_OK else {
            throw NATSError(action: "get JetStream's acknowledgement for \(lengths.count) records within \(ackWait)", reason: Self.lastError(completed))
        }
    }

    /// The `Nats-Msg-Id` of a record: its dedup key, made fit for a header line. A CloudEvent's
    /// key is `ce:` + source + a line feed + id; the line feed becomes a space (`ce:<source> <id>`;
    /// a source is a URI reference, so it holds no space). Monitor keys (`AE…`) are unchanged.
    package static func messageID(_ key: String) -> String {
        String(key.map { $0.isNewline ? " " : $0 })
    }

    static func check(_ status: natsStatus, _ action: String) throws(NATSError) {
        guard status == NATS_OK else { throw NATSError(action: action, reason: lastError(status)) }
    }

    static func lastError(_ status: natsStatus) -> String {
        var last = NATS_OK
        if let text = nats_GetLastError(&last), last != NATS_OK, text.pointee != 0 { return String(cString: text) }
        return String(cString: natsStatus_GetText(status))
    }
}

extension NATSConnection {
    /// Creates the stream (file storage) on `subject` with `duplicateWindow` and `replicas`.
    package func createStream(_ stream: String, subject: String, duplicateWindow: Duration, replicas: Int = 1) throws(NATSError) {
        var code: Int32 = 0
        let status = cnats_add_stream(jetStream, stream, subject, duplicateWindow.milliseconds, Int32(replicas), &code)
        guard status == NATS_OK else {
            throw NATSError(action: "create the JetStream stream \(stream)", reason: "\(Self.describe(status)) (JetStream error \(code))")
        }
    }

    /// How many messages the stream holds (its last sequence: the forwarder never deletes).
    package func messageCount(in stream: String) throws(NATSError) -> UInt64 {
        var status = NATS_OK
        let last = cnats_stream_last_seq(jetStream, stream, &status)
        guard status == NATS_OK else { throw NATSError(action: "read the stream \(stream)", reason: Self.describe(status)) }
        return last
    }

    /// Every message in the stream in order: its `Nats-Msg-Id` and subject.
    package func storedMessages(in stream: String) throws(NATSError) -> [(id: String, subject: String)] {
        var status = NATS_OK
        let last = cnats_stream_last_seq(jetStream, stream, &status)
        guard status == NATS_OK else { throw NATSError(action: "read the stream \(stream)", reason: Self.describe(status)) }
        var messages: [(id: String, subject: String)] = []
        var id = [CChar](repeating: 0, count: 512)
        var subject = [CChar](repeating: 0, count: 512)
        for sequence in UInt64(1)...max(1, last) where last > 0 {
            if cnats_stream_message(jetStream, stream, sequence, &id, 512, &subject, 512) >= 0 {
                messages.append((Self.text(id), Self.text(subject)))
            }
        }
        return messages
    }

    /// A NUL-terminated buffer as text.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func describe(_ status: natsStatus) -> String {
        lastError(status)
    }
}
