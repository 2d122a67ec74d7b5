import CNats
import ForwarderCore
import Foundation
import NIOCore

/// A NATS failure as one sentence: what was being done, where, and the library's or the
/// server's reason.
public struct NATSError: Error, CustomStringConvertible, Sendable, Equatable {
    public var action: String
    public var reason: String
    /// The output, once the sink knows which one it is.
    public var output: String?

    public init(action: String, reason: String, output: String? = nil) {
        self.action = action
        self.reason = reason
        self.output = output
    }

    public var description: String {
        (output.map { "Output \($0) could not " } ?? "Could not ") + "\(action): \(reason)."
    }

    func `for`(output: String) -> NATSError {
        var error = self
        error.output = output
        return error
    }
}

/// One connection to a NATS cluster with a JetStream context (libnats, the C client). Not
/// thread-safe: ``NATSSink`` calls it from one task at a time, on a thread that may block.
final class NATSConnection: @unchecked Sendable {
    private var connection: OpaquePointer?
    private var jetStream: OpaquePointer?
    private let acks = UnsafeMutablePointer<cnats_ack_state>.allocate(capacity: 1)
    let settings: NATSTransportConfig
    let subject: NATSSubjectTemplate

    /// Connects (reconnecting forever with back-off across the servers once connected) and
    /// opens the JetStream context.
    init(_ settings: NATSTransportConfig) throws(NATSError) {
        self.settings = settings
        self.subject = NATSSubjectTemplate(settings.subject)
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
        let opened = cnats_jetstream(&jetStream, connection, Int64(settings.maxPending), settings.ackWait.milliseconds, acks)
        if opened != NATS_OK {
            close()
            throw NATSError(action: "open a JetStream context", reason: Self.lastError(opened))
        }
    }

    deinit {
        close()
        acks.deallocate()
    }

    func close() {
        if let jetStream { jsCtx_Destroy(jetStream) }
        jetStream = nil
        if let connection { natsConnection_Destroy(connection) }
        connection = nil
    }

    /// The stream's duplicate window (`duplicate_window`), which bounds how late a resend is
    /// still recognised as a duplicate.
    func duplicateWindow() throws(NATSError) -> Duration {
        var status = NATS_OK
        var code: Int32 = 0
        let window = cnats_stream_duplicates_ms(jetStream, settings.stream, &status, &code)
        guard window >= 0 else {
            let reason = code == 10059 ? "the stream does not exist (create it, e.g. `nats stream add \(settings.stream)`)" : Self.lastError(status)
            throw NATSError(action: "look up the JetStream stream \(settings.stream)", reason: reason)
        }
        return .milliseconds(window)
    }

    /// Publishes every record of the batch with its dedup key as `Nats-Msg-Id` and returns once
    /// JetStream acknowledged all of them; throws when any was refused or not acknowledged in
    /// time (the caller sends the batch again: the stream drops the ones it already has).
    func publish(_ batch: RecordBatch) throws(NATSError) {
        acks.pointee = cnats_ack_state()
        var offset = batch.bytes.readerIndex
        for (record, length) in zip(batch.records, batch.lengths) {
            let subject = self.subject.subject(for: record)
            let id = Self.messageID(record.key)
            let status = batch.bytes.withUnsafeReadableBytes { bytes in
                cnats_publish(jetStream, subject, id, settings.stream,
                              bytes.baseAddress! + (offset - batch.bytes.readerIndex), Int32(length))
            }
            guard status == NATS_OK else {
                _ = cnats_complete(jetStream, 1)
                throw NATSError(action: "publish to \(subject) in stream \(settings.stream)", reason: Self.lastError(status))
            }
            offset += length
        }
        let completed = cnats_complete(jetStream, settings.ackWait.milliseconds)
        let failures = acks.pointee.failures
        if failures > 0 {
            let text = withUnsafeBytes(of: acks.pointee.firstError) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw NATSError(action: "store \(failures) of \(batch.count) records in stream \(settings.stream)", reason: text)
        }
        guard completed == NATS_OK else {
            throw NATSError(action: "get JetStream's acknowledgement for \(batch.count) records within \(settings.ackWait)", reason: Self.lastError(completed))
        }
    }

    /// The `Nats-Msg-Id` of a record: its dedup key, made fit for a header line. A CloudEvent's
    /// key is `ce:` + source + a line feed + id; the line feed becomes a space (`ce:<source> <id>`;
    /// a source is a URI reference, so it holds no space). Monitor keys (`AE…`) are unchanged.
    static func messageID(_ key: String) -> String {
        String(key.map { $0.isNewline ? " " : $0 })
    }

    private static func check(_ status: natsStatus, _ action: String) throws(NATSError) {
        guard status == NATS_OK else { throw NATSError(action: action, reason: lastError(status)) }
    }

    fileprivate static func lastError(_ status: natsStatus) -> String {
        var last = NATS_OK
        if let text = nats_GetLastError(&last), last != NATS_OK, text.pointee != 0 { return String(cString: text) }
        return String(cString: natsStatus_GetText(status))
    }
}

extension NATSConnection {
    /// Creates the stream (file storage) on `subject` with `duplicateWindow` and `replicas`.
    func createStream(subject: String, duplicateWindow: Duration, replicas: Int = 1) throws(NATSError) {
        var code: Int32 = 0
        let status = cnats_add_stream(jetStream, settings.stream, subject, duplicateWindow.milliseconds, Int32(replicas), &code)
        guard status == NATS_OK else {
            throw NATSError(action: "create the JetStream stream \(settings.stream)", reason: "\(Self.describe(status)) (JetStream error \(code))")
        }
    }

    /// Every message in the stream in order: its `Nats-Msg-Id` and subject.
    func storedMessages() throws(NATSError) -> [(id: String, subject: String)] {
        var status = NATS_OK
        let last = cnats_stream_last_seq(jetStream, settings.stream, &status)
        guard status == NATS_OK else { throw NATSError(action: "read the stream \(settings.stream)", reason: Self.describe(status)) }
        var messages: [(id: String, subject: String)] = []
        var id = [CChar](repeating: 0, count: 512)
        var subject = [CChar](repeating: 0, count: 512)
        for sequence in UInt64(1)...max(1, last) where last > 0 {
            if cnats_stream_message(jetStream, settings.stream, sequence, &id, 512, &subject, 512) >= 0 {
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
