import Gzip
import NIOCore
import NIOPosix

/// The input of one gzip file cut into independent gzip members that compress on NIO's blocking
/// thread pool, several at once, while the output goes on reading and encoding the next batch.
///
/// A concatenation of gzip members is one valid gzip file (RFC 1952 §2.2): gunzip, zcat,
/// Python's `gzip`, Splunk and Filebeat read it as the concatenated text. Members are written to
/// the file in the order their input arrived, whatever order they finish in. This type only
/// decides what to compress and hands out the jobs in order; `RotatingFileSink` awaits them
/// and writes the bytes, and commits nothing before the file is sealed, so durability is the
/// same as with one member.
struct GzipMembers {
    /// A member being compressed, and the input it came from (for the size estimate).
    struct Job {
        var output: EventLoopFuture<[UInt8]>
        var inputBytes: Int
    }

    /// Input bytes from which a member is cut: large enough that the members' fresh dictionaries
    /// and 18-byte frames cost little of the ratio, small enough to keep memory flat.
    static let memberBytes = 1 << 20
    /// Members compressing at once; more only waits for the same two cores.
    static let maxInFlight = 2

    let level: Int
    private let pool: NIOThreadPool
    private let eventLoop: any EventLoop
    /// Input not yet cut into a member.
    private var input: [ByteBuffer] = []
    private(set) var inputBytes = 0
    /// Members handed to the pool, oldest first.
    private var inFlight: [Job] = []
    /// Members cut since the file was opened.
    private(set) var membersStarted = 0

    init(level: Int, pool: NIOThreadPool = .singleton, eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.level = level
        self.pool = pool
        self.eventLoop = eventLoop
    }

    /// Input bytes not yet written to the file (waiting or compressing).
    var unwrittenInputBytes: Int { inputBytes + inFlight.reduce(0) { $0 + $1.inputBytes } }

    /// How many members are compressing.
    var inFlightCount: Int { inFlight.count }

    /// At most this many bytes of gzip output for the unwritten input: deflate's stored-block
    /// bound (5 bytes per 16 KiB and the 18-byte frame of each member) with room to spare.
    var unwrittenOutputBound: Int {
        let unwritten = unwrittenInputBytes
        return unwritten + unwritten / 256 + 64 * (inFlight.count + 1)
    }

    /// Takes `records` as input; cuts a member once enough input has gathered.
    mutating func add(_ records: ByteBuffer) {
        guard records.readableBytes > 0 else { return }
        input.append(records)
        inputBytes += records.readableBytes
        if inputBytes >= Self.memberBytes { cut() }
    }

    /// The oldest member when more than `maxInFlight` are compressing: the caller awaits it and
    /// writes it, so memory stays bounded.
    mutating func takeOldestOverLimit() -> Job? {
        inFlight.count > Self.maxInFlight ? inFlight.removeFirst() : nil
    }

    /// Cuts what input is left into a last member (an empty one when the file would otherwise
    /// have none, so the file is still a valid gzip file) and hands out every member, in order.
    mutating func finish() -> [Job] {
        if inputBytes > 0 || membersStarted == 0 { cut() }
        return takeAll()
    }

    /// Hands out every member in flight, in order, and the input not yet cut (for a caller that
    /// compresses the rest of the file itself).
    mutating func drain() -> (jobs: [Job], rest: [ByteBuffer]) {
        let rest = input
        input = []
        inputBytes = 0
        return (takeAll(), rest)
    }

    private mutating func takeAll() -> [Job] {
        defer { inFlight = [] }
        return inFlight
    }

    private mutating func cut() {
        let buffers = input
        let bytes = inputBytes
        let level = self.level
        input = []
        inputBytes = 0
        membersStarted += 1
        let output = pool.runIfActive(eventLoop: eventLoop) { () throws -> [UInt8] in
            try Self.compress(buffers, bytes: bytes, level: level)
        }
        inFlight.append(Job(output: output, inputBytes: bytes))
    }

    /// One complete gzip member of `buffers`, laid end to end, compressed by libdeflate in one
    /// call (the buffers are copied together first unless there is only one).
    static func compress(_ buffers: [ByteBuffer], bytes: Int, level: Int) throws -> [UInt8] {
        if buffers.count == 1 {
            return try buffers[0].withUnsafeReadableBytes { try GzipMember.compress($0, level: level) }
        }
        var input: [UInt8] = []
        input.reserveCapacity(bytes)
        for buffer in buffers {
            input.append(contentsOf: buffer.readableBytesView)
        }
        return try GzipMember.compress(input, level: level)
    }
}
