import ForwarderCore
import Journal

/// What a file output's recovery does with the file records an earlier run left in the journal,
/// decided from the records and from what is on disk (given as functions, so the decision is
/// tested without files). The sinks carry the steps out in order.
package enum FileRecovery {
    /// One step of a recovery.
    package enum Step: Sendable, Equatable {
        /// A sealed file whose rename did not happen: its range is committed, so it must appear.
        case rename(from: String, to: String)
        /// An open `.part`: its range was never committed; its events are written again.
        case remove(String)
        /// The record is settled and can go.
        case forget(partPath: String)
        /// An active append file that is not provably this output's: left as it is, with why.
        case leave(String, reason: String)
        /// The active append file to continue, cut back to the committed length first.
        case resume(OutputFile)
    }

    /// What is on disk, as recovery needs to know it.
    package struct Disk: Sendable {
        package var exists: @Sendable (String) -> Bool
        package var identity: @Sendable (String) -> FileIdentity?

        package init(exists: @escaping @Sendable (String) -> Bool, identity: @escaping @Sendable (String) -> FileIdentity?) {
            self.exists = exists
            self.identity = identity
        }

        /// The real file system.
        package static let posix = Disk(exists: { PosixFile.exists($0) }, identity: { PosixFile.identity(of: $0) })
    }

    /// Rotating gzip files: a sealed `.part` still there is renamed to its final name, an open
    /// one removed; every record is then forgotten.
    package static func rotating(_ files: [OutputFile], disk: Disk) -> [Step] {
        files.flatMap { file -> [Step] in
            if file.sealed {
                return disk.exists(file.partPath) ? [.rename(from: file.partPath, to: file.finalPath), .forget(partPath: file.partPath)]
                    : [.forget(partPath: file.partPath)]
            }
            return [.remove(file.partPath), .forget(partPath: file.partPath)]
        }
    }

    /// Plain append files: a committed logrotate-style rename not carried out is completed (unless
    /// the target appeared meanwhile); the active file is resumed only when the configured
    /// `template` names it and it is still the file that was written (`foreign`), else left alone.
    package static func append(_ files: [OutputFile], template: FileNameTemplate, disk: Disk) -> [Step] {
        var steps: [Step] = []
        for file in files where file.sealed {
            if file.partPath != file.finalPath, disk.exists(file.partPath), !disk.exists(file.finalPath) {
                steps.append(.rename(from: file.partPath, to: file.finalPath))
            }
            steps.append(.forget(partPath: file.partPath))
        }
        if let active = files.last(where: { !$0.sealed }) {
            if let reason = foreign(active, template: template, disk: disk) {
                steps += [.leave(active.partPath, reason: reason), .forget(partPath: active.partPath)]
            } else {
                steps.append(.resume(active))
            }
        }
        return steps
    }

    /// Why the journal's active append file is not one recovery may cut back, or nil when it is:
    /// it must be a path the configured template produces and still the file that was written.
    static func foreign(_ file: OutputFile, template: FileNameTemplate, disk: Disk) -> String? {
        guard template.template == file.partPath || template.matches(file.partPath) else {
            return "the state directory was writing it, but the configured path is \(template.template) (path changed, or state directory restored with another configuration)"
        }
        guard let recorded = file.identity else { return nil }
        guard let present = disk.identity(file.partPath) else {
            return "it no longer exists (moved away, or the state directory was restored on another machine)"
        }
        guard present.isSameFile(as: recorded) else {
            return "it is not the file this state directory wrote (\(present), expected \(recorded)): replaced, or the state directory was restored or copied"
        }
        return nil
    }
}
