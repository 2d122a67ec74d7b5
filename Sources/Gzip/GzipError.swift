import CZlib

/// An error from zlib (or from misuse of a compressor/decompressor), with zlib's return code.
package struct GzipError: Error, CustomStringConvertible, Sendable {
    /// zlib return code, e.g. -3 for Z_DATA_ERROR.
    package var code: Int32
    /// zlib's `msg` for the stream, or a fixed explanation.
    package var message: String

    package init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// Builds an error for `code`, preferring the stream's own message.
    init(code: Int32, stream: UnsafePointer<z_stream>) {
        if let msg = stream.pointee.msg {
            self.init(code: code, message: String(cString: msg))
        } else if let text = zError(code) {
            self.init(code: code, message: String(cString: text))
        } else {
            self.init(code: code, message: "unknown zlib error")
        }
    }

    package var description: String {
        "zlib error \(code) (\(Self.name(of: code)): \(message))"
    }

    private static func name(of code: Int32) -> String {
        switch code {
        case Z_OK: "Z_OK"
        case Z_STREAM_END: "Z_STREAM_END"
        case Z_NEED_DICT: "Z_NEED_DICT"
        case Z_ERRNO: "Z_ERRNO"
        case Z_STREAM_ERROR: "Z_STREAM_ERROR"
        case Z_DATA_ERROR: "Z_DATA_ERROR"
        case Z_MEM_ERROR: "Z_MEM_ERROR"
        case Z_BUF_ERROR: "Z_BUF_ERROR"
        case Z_VERSION_ERROR: "Z_VERSION_ERROR"
        default: "unknown"
        }
    }
}
