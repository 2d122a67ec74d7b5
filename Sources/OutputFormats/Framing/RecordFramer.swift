import NIOCore

/// Wraps one encoded record for the wire or the file (separate from the encoder and from the
/// transport, so any format works over any framing).
package protocol RecordFramer: Sendable {
    /// Appends the framed form of `record` to `output`.
    func frame(_ record: ByteBuffer, into output: inout ByteBuffer)
}

/// One record per line: the record then `\n` (NDJSON files, syslog over TCP with LF framing).
package struct NewlineDelimitedFramer: RecordFramer {
    package init() {}

    package func frame(_ record: ByteBuffer, into output: inout ByteBuffer) {
        output.writeImmutableBuffer(record)
        output.writeInteger(UInt8(ascii: "\n"))
    }
}

/// RFC 6587 §3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`.
package struct OctetCountingFramer: RecordFramer {
    package init() {}

    package func frame(_ record: ByteBuffer, into output: inout ByteBuffer) {
        output.writeDecimal(record.readableBytes)
        output.writeInteger(UInt8(ascii: " "))
        output.writeImmutableBuffer(record)
    }
}

/// No framing: the record as is (one UDP datagram per record).
package struct UnframedFramer: RecordFramer {
    package init() {}

    package func frame(_ record: ByteBuffer, into output: inout ByteBuffer) {
        output.writeImmutableBuffer(record)
    }
}
