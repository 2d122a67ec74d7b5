import EventStreamsReceiver
import ForwarderCore
import Foundation
import Hummingbird
import Journal
import Logging
import ServiceLifecycle
import UnixSignals

// The Event Streams receiver alone behind its HTTP server, for `Benchmarks/ingest.sh` to measure
// what durability costs: `durable` stores each batch of deliveries in a journal (one transaction
// and fsync per batch, as the forwarder does), `discard` answers the same after storing nothing.
// No merger and no output run beside it. Stops on SIGTERM/SIGINT.
//   ingest-server <durable|discard> <port> <state_dir> <public_url> <auth_token>

/// Takes the watermark and arrivals and does nothing with them: no merger runs here.
struct IgnoringReporter: WatermarkReporter {
    func report(_ source: SourceID, watermark: Timestamp) async {}
    func journalChanged(_ arrival: MergeState.Arrival) async {}
}

let arguments = CommandLine.arguments
guard arguments.count == 6, ["durable", "discard"].contains(arguments[1]), let port = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: ingest-server <durable|discard> <port> <state_dir> <public_url> <auth_token>\n".utf8))
    exit(64)
}
var logger = Logger(label: "ingest-server")
logger.logLevel = .warning
let journal = try Journal(directory: arguments[3])
let config = EventStreamsSourceConfig(path: URL(string: arguments[4])?.path ?? "/", publicURL: arguments[4], authToken: arguments[5])
let receiver = EventStreamsReceiver(config: config, journal: journal, reporter: IgnoringReporter(), logger: logger,
                                    store: arguments[1] == "discard" ? DiscardingIngestStore() : nil)
let router = Router(context: ForwarderRequestContext.self)
receiver.addRoutes(to: router)
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                      onServerRunning: { _ in FileHandle.standardError.write(Data("listening on 127.0.0.1:\(port)\n".utf8)) }, logger: logger)
try await ServiceGroup(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
await journal.close()
