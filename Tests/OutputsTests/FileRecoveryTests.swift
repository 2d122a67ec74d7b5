import ForwarderCore
import Journal
import Outputs
import Testing

/// The file sinks' recovery as decisions over file records and a disk described by two functions:
/// no files, no journal, every case of a table.
@Suite("File output recovery, decided")
struct FileRecoveryTests {
    static let written = FileIdentity(device: 8, inode: 100, birth: 1_000)

    /// A disk holding `paths`, each with `identity` unless given otherwise.
    static func disk(_ paths: Set<String>, identities: [String: FileIdentity] = [:]) -> FileRecovery.Disk {
        FileRecovery.Disk(exists: { paths.contains($0) }, identity: { paths.contains($0) ? identities[$0] ?? written : nil })
    }

    static func record(_ part: String, _ final: String? = nil, sealed: Bool, identity: FileIdentity? = written) -> OutputFile {
        OutputFile(partPath: part, finalPath: final ?? part, firstSequence: 1, lastSequence: 9, sealed: sealed, identity: identity)
    }

    @Test("gzip files: a sealed .part is renamed, a sealed one already renamed is forgotten, an open one removed")
    func rotating() {
        let files = [
            Self.record("/o/a.gz.part", "/o/a.gz", sealed: true),
            Self.record("/o/b.gz.part", "/o/b.gz", sealed: true),
            Self.record("/o/c.gz.part", "/o/c.gz", sealed: false),
        ]
        #expect(FileRecovery.rotating(files, disk: Self.disk(["/o/a.gz.part", "/o/b.gz", "/o/c.gz.part"])) == [
            .rename(from: "/o/a.gz.part", to: "/o/a.gz"), .forget(partPath: "/o/a.gz.part"),
            .forget(partPath: "/o/b.gz.part"),
            .remove("/o/c.gz.part"), .forget(partPath: "/o/c.gz.part"),
        ])
    }

    @Test("append files: the active file is resumed only when the configured path names it and it is the file written", arguments: [
        // (configured template, active path, what is at that path, expected: resumed?)
        ("/o/siem.log", "/o/siem.log", Optional(written), true),
        ("/o/siem.log", "/o/siem.log", Optional(FileIdentity(device: 8, inode: 100, birth: 2_000)), false),  // inode reused by a new file
        ("/o/siem.log", "/o/siem.log", Optional(FileIdentity(device: 9, inode: 100, birth: 1_000)), false),  // another device
        ("/o/siem.log", "/o/siem.log", nil, false),                                                          // gone
        ("/n/siem.log", "/o/siem.log", Optional(written), false),                                            // path changed
        ("/o/siem-{seq}.log", "/o/siem-000004.log", Optional(written), true),
        ("/o/siem-{seq}.log", "/o/other-000004.log", Optional(written), false),
    ])
    func appendActive(template: String, active: String, onDisk: FileIdentity?, resumed: Bool) {
        let disk = FileRecovery.Disk(exists: { $0 == active && onDisk != nil }, identity: { $0 == active ? onDisk : nil })
        let record = Self.record(active, sealed: false)
        let steps = FileRecovery.append([record], template: FileNameTemplate(template), disk: disk)
        if resumed {
            #expect(steps == [.resume(record)])
        } else {
            #expect(steps.count == 2 && steps.last == .forget(partPath: active))
            if case .leave(let path, _) = steps.first { #expect(path == active) } else { Issue.record("expected .leave, got \(steps)") }
        }
    }

    @Test("a record from before identities were kept is resumed on its path alone")
    func legacyRecord() {
        let record = Self.record("/o/siem.log", sealed: false, identity: nil)
        #expect(FileRecovery.append([record], template: FileNameTemplate("/o/siem.log"), disk: Self.disk([])) == [.resume(record)])
    }

    @Test("append files: a committed logrotate rename is completed unless its target appeared meanwhile")
    func appendRotations() {
        let files = [
            Self.record("/o/siem.log", "/o/siem.log.000001", sealed: true),
            Self.record("/o/siem.log", "/o/siem.log.000002", sealed: true),
        ]
        #expect(FileRecovery.append([files[0]], template: FileNameTemplate("/o/siem.log"), disk: Self.disk(["/o/siem.log"])) == [
            .rename(from: "/o/siem.log", to: "/o/siem.log.000001"), .forget(partPath: "/o/siem.log"),
        ])
        #expect(FileRecovery.append([files[1]], template: FileNameTemplate("/o/siem.log"), disk: Self.disk(["/o/siem.log", "/o/siem.log.000002"])) == [
            .forget(partPath: "/o/siem.log"),
        ])
    }
}
