import ForwarderCore
import Foundation
import NATSClient

// The JetStream side of Benchmarks/nats.sh, through the same C client the forwarder uses:
//   nats-bench create SERVER STREAM SUBJECT   creates a file-storage stream (duplicate window 5m)
//   nats-bench count SERVER STREAM            prints how many messages the stream holds

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: nats-bench create SERVER STREAM SUBJECT | count SERVER STREAM\n".utf8))
    exit(2)
}
do {
    let connection = try NATSConnection(NATSClientConfig(servers: [arguments[2]]))
    defer { connection.close() }
    switch arguments[1] {
    case "create" where arguments.count == 5:
        try connection.createStream(arguments[3], subject: arguments[4], duplicateWindow: .seconds(300))
    case "count":
        print(try connection.messageCount(in: arguments[3]))
    default:
        FileHandle.standardError.write(Data("unknown command \(arguments[1])\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
