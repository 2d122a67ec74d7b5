import ForwarderCore
import NIOCore
import OutputFormats

/// One batch of framed records as the output service hands it to every sink: the bytes laid end
/// to end, where each record ends, which event each record is, and the last sequence.
package struct RecordBatch: Sendable {
    /// What a record-wise sink may need to know of a record's event besides its bytes.
    package struct Record: Sendable, Equatable {
        /// The event's dedup key (a message id for a stream that deduplicates).
        package var key: String
        /// `monitor` or `event_streams`.
        package var dataset: String
        /// The event type (Monitor `event_type`, CloudEvent `type`).
        package var type: String
        /// The Twilio account, when known.
        package var account: String?

        package init(key: String, dataset: String, type: String, account: String?) {
            self.key = key
            self.dataset = dataset
            self.type = type
            self.account = account
        }

        package init(_ event: ForwardedEvent) {
            let dataset = switch event.event.origin {
            case .monitor: "monitor"
            case .eventStreams: "event_streams"
            }
            self.init(key: event.event.dedupKey, dataset: dataset, type: event.event.type, account: event.event.accountSid)
        }
    }

    package var bytes: ByteBuffer
    /// `lengths[i]`: the framed byte length of record i.
    package var lengths: [Int]
    package var records: [Record]
    /// The sequence of the last record.
    package var through: Int64

    package var count: Int { lengths.count }
    /// The sequence of the first record.
    package var first: Int64 { through - Int64(count) + 1 }

    package init(bytes: ByteBuffer, lengths: [Int], records: [Record], through: Int64) {
        self.bytes = bytes
        self.lengths = lengths
        self.records = records
        self.through = through
    }
}


/// Encodes and frames events into one ``RecordBatch`` at a time, reusing its buffers between
/// batches: the one way the output service and replay turn released events into what a sink takes.
package struct RecordBatchEncoder: Sendable {
    package let encoder: any EventEncoder
    package let framer: any RecordFramer
    private var record = ByteBuffer()
    private var framed = ByteBuffer()
    private var lengths: [Int] = []

    package init(encoder: any EventEncoder, framer: any RecordFramer) {
        self.encoder = encoder
        self.framer = framer
    }

    /// `events` encoded and framed, the last one numbered `through`.
    package mutating func batch(_ events: [ForwardedEvent], through: Int64) -> RecordBatch {
        framed.clear()
        lengths.removeAll(keepingCapacity: true)
        for event in events {
            record.clear()
            encoder.encode(event, into: &record)
            let start = framed.writerIndex
            framer.frame(record, into: &framed)
            lengths.append(framed.writerIndex - start)
        }
        return RecordBatch(bytes: framed, lengths: lengths, records: events.map(RecordBatch.Record.init), through: through)
    }
}
