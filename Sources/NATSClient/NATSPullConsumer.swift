import CNats
import ForwarderCore

/// A durable JetStream pull consumer (libnats): fetches batches of messages and acknowledges
/// them once the caller has made them durable. Not thread-safe: one task calls it at a time,
/// on a thread that may block.
package final class NATSPullConsumer: @unchecked Sendable {
    /// One fetched message, copied out of the C client.
    package struct Message: Sendable, Equatable {
        package var data: [UInt8]
        /// The `Nats-Msg-Id` header the publisher set, if any.
        package var messageID: String?
        package var subject: String
        /// Its sequence in the stream (where an operator finds it with `nats stream get`).
        package var streamSequence: UInt64
        /// How often the server delivered it to this consumer (1 the first time).
        package var delivered: UInt64
        /// Messages still waiting for this consumer after this one.
        package var pending: UInt64

        package init(data: [UInt8], messageID: String?, subject: String, streamSequence: UInt64, delivered: UInt64, pending: UInt64) {
            self.data = data
            self.messageID = messageID
            self.subject = subject
            self.streamSequence = streamSequence
            self.delivered = delivered
            self.pending = pending
        }
    }

    /// Messages fetched together; they stay with the server as unacknowledged until
    /// ``NATSPullConsumer/acknowledge(_:rejecting:)``.
    package final class Batch: @unchecked Sendable {
        package let messages: [Message]
        fileprivate var list: natsMsgList

        fileprivate init(list: natsMsgList) {
            self.list = list
            var messages: [Message] = []
            messages.reserveCapacity(Int(list.Count))
            for k in 0..<Int(list.Count) {
                guard let msg = list.Msgs[k] else { continue }
                let length = Int(natsMsg_GetDataLength(msg))
                let data = length > 0 ? natsMsg_GetData(msg).withMemoryRebound(to: UInt8.self, capacity: length) {
                    Array(UnsafeBufferPointer(start: $0, count: length))
                } : []
                let facts = cnats_facts(msg)
                messages.append(Message(
                    data: data, messageID: cnats_message_id(msg).map { String(cString: $0) },
                    subject: String(cString: natsMsg_GetSubject(msg)), streamSequence: facts.streamSequence,
                    delivered: facts.delivered, pending: facts.pending
                ))
            }
            self.messages = messages
        }

        deinit {
            natsMsgList_Destroy(&list)
        }
    }

    private let connection: NATSConnection
    private var subscription: OpaquePointer?
    package let stream: String
    package let durable: String

    /// Subscribes to the durable consumer, creating it (explicit acknowledgements, `ackWait`,
    /// `filter`, starting at the stream's first message or, with `deliverNew`, at the next one)
    /// when the stream has no consumer of that name yet.
    package init(connection: NATSConnection, stream: String, durable: String, filter: String?, deliverNew: Bool,
                ackWait: Duration, maxAckPending: Int) throws(NATSError) {
        self.connection = connection
        self.stream = stream
        self.durable = durable
        var code: Int32 = 0
        let status = cnats_pull_subscribe(&subscription, connection.jetStream, stream, durable, filter, deliverNew,
                                          ackWait.milliseconds, Int64(maxAckPending), &code)
        guard status == NATS_OK else {
            let reason = code == 10059 ? "the stream does not exist (create it, e.g. `nats stream add \(stream)`)"
                : NATSConnection.lastError(status) + (code != 0 ? " (JetStream error \(code))" : "")
            throw NATSError(action: "subscribe as durable consumer \(durable) of stream \(stream)", reason: reason)
        }
    }

    deinit {
        close()
    }

    /// How many messages the durable consumer has still to be delivered, or nil when the stream
    /// has no consumer of that name yet (the source creates it on start).
    package static func pending(connection: NATSConnection, stream: String, durable: String) throws(NATSError) -> Int64? {
        var status = NATS_OK
        var code: Int32 = 0
        let pending = cnats_consumer_pending(connection.jetStream, stream, durable, &status, &code)
        if pending >= 0 { return pending }
        if code == 10014 { return nil }
        throw NATSError(action: "look up consumer \(durable) of stream \(stream)",
                        reason: NATSConnection.lastError(status) + (code != 0 ? " (JetStream error \(code))" : ""))
    }

    /// Ends the subscription; the durable consumer and its position stay on the server.
    package func close() {
        if let subscription { natsSubscription_Destroy(subscription) }
        subscription = nil
    }

    /// Up to `max` messages, waiting at most `timeout` for the first; an empty batch when none
    /// came in time.
    package func fetch(max: Int, timeout: Duration) throws(NATSError) -> Batch {
        var list = natsMsgList()
        var code = jsErrCode(0)
        let status = natsSubscription_Fetch(&list, subscription, Int32(max), timeout.milliseconds, &code)
        if status == NATS_TIMEOUT { return Batch(list: natsMsgList()) }
        guard status == NATS_OK else {
            throw NATSError(action: "fetch from consumer \(durable) of stream \(stream)",
                            reason: NATSConnection.lastError(status) + (code.rawValue != 0 ? " (JetStream error \(code.rawValue))" : ""))
        }
        return Batch(list: list)
    }

    /// Acknowledges every message of the batch, except those at `rejecting` (indices), which are
    /// terminated: never delivered to this consumer again, still stored in the stream. Then
    /// flushes, so the acknowledgements have reached the server when this returns.
    package func acknowledge(_ batch: Batch, rejecting: Set<Int> = []) throws(NATSError) {
        for k in 0..<Int(batch.list.Count) {
            guard let msg = batch.list.Msgs[k] else { continue }
            let status = rejecting.contains(k) ? natsMsg_Term(msg, nil) : natsMsg_Ack(msg, nil)
            guard status == NATS_OK else {
                throw NATSError(action: "acknowledge messages of consumer \(durable)", reason: NATSConnection.lastError(status))
            }
        }
        let flushed = connection.flush(timeout: .seconds(5))
        guard flushed == NATS_OK else {
            throw NATSError(action: "send acknowledgements of consumer \(durable)", reason: NATSConnection.lastError(flushed))
        }
    }
}
