import Foundation

/// Reading text files named by the pipeline file, and saying why one could not be read.
enum ConfigFileText {
    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The operating system's reason, such as "No such file or directory", when there is one;
    /// otherwise the error's own description.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain || nsError.domain == NSPOSIXErrorDomain {
            if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? any Error,
               (underlying as NSError).domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32((underlying as NSError).code)))
            }
            if nsError.domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32(nsError.code)))
            }
            if nsError.code == CocoaError.fileReadInapplicableStringEncoding.rawValue {
                return "the file is not valid UTF-8 text"
            }
            return nsError.localizedDescription
        }
        if let localized = error as? any LocalizedError, let description = localized.errorDescription {
            return description
        }
        return String(describing: error)
    }
}
