import ForwarderCore
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore

/// Writes each log record as one JSON object per line on stderr (`--log-format json`, the
/// default), or as a short human line (`--log-format text`).
package struct StderrLogHandler: LogHandler {
    /// The two line formats.
    package enum Format: Sendable { case json, text }

    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    let label: String
    let format: Format
    let clock: WallClock

    package init(label: String, format: Format, level: Logger.Level = .info, clock: WallClock = .system) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.clock = clock
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var buffer = ByteBuffer()
        switch format {
        case .json:
            buffer.writeStaticString("{\"time\":\"")
            buffer.writeString(clock.now().rfc3339)
            buffer.writeStaticString("\",\"level\":\"")
            buffer.writeString(event.level.rawValue)
            buffer.writeStaticString("\",\"logger\":")
            buffer.writeJSONString(label)
            buffer.writeStaticString(",\"message\":")
            buffer.writeJSONString(event.message.description)
            for key in merged.keys.sorted() where key != "time" && key != "level" && key != "message" {
                buffer.writeStaticString(",")
                buffer.writeJSONString(key)
                buffer.writeStaticString(":")
                buffer.writeJSONString(merged[key]!.description)
            }
            buffer.writeStaticString("}\n")
        case .text:
            buffer.writeString(clock.now().rfc3339)
            buffer.writeString(" \(event.level.rawValue.uppercased()) \(event.message)")
            for key in merged.keys.sorted() {
                buffer.writeString(" \(key)=\(merged[key]!)")
            }
            buffer.writeStaticString("\n")
        }
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
