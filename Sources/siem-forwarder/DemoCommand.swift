import ArgumentParser
import ForwarderCore
import ForwarderRuntime
import Foundation
import Gzip
import Journal
import Logging
import TwilioSimulator
import UnixSignals

/// `siem-forwarder demo`: the simulator and `pipelines/demo.yaml` in one process, writing real
/// output a newcomer can open.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the Twilio simulator and the demo pipeline together and show what they wrote."
    )

    @Option(help: "How long to run, in seconds.") var duration: Int = 20
    @Option(help: "Where to write the output files and state.") var outputDir: String = "./demo-output"
    @Option(help: "The demo pipeline file; the built-in copy of pipelines/demo.yaml when absent.") var config: String?

    func run() async throws {
        let logger = LoggingSetup.bootstrap(format: .text, level: .warning)
        let outputDir = (outputDir as NSString).standardizingPath
        for sub in ["state", "ndjson", "rfc5424", "cef"] {
            try? FileManager.default.removeItem(atPath: outputDir + "/" + sub)
        }
        let port = try FreePort.find()
        var simulatorConfig = SimulatorConfiguration()
        simulatorConfig.webhookURL = "http://127.0.0.1:\(port)/webhooks/event-streams"
        simulatorConfig.webhookEventsPerMinute = 240
        simulatorConfig.seed = 42
        simulatorConfig.historyDays = 2
        simulatorConfig.historyEventsPerDay = 400
        simulatorConfig.eventsPerMinute = 120
        simulatorConfig.maxVisibilityDelay = .seconds(3)
        let simulator = try await TwilioSimulator.start(simulatorConfig, logger: logger)
        print("Twilio simulator: \(simulator.baseURL) (Monitor: 2 days of history and about 120 new events a minute;"
            + " Event Streams: about 240 signed CloudEvents a minute to port \(port))")

        var environment = ProcessInfo.processInfo.environment
        environment["SIMULATOR_URL"] = simulator.baseURL
        environment["DEMO_OUTPUT_DIR"] = outputDir
        environment["FORWARDER_PORT"] = String(port)
        environment["OPERATIONS_PORT"] = String(try FreePort.find())
        let pipelineConfig: PipelineConfig
        do {
            if let config {
                pipelineConfig = try PipelineConfigLoader.load(path: config, environment: environment)
            } else {
                pipelineConfig = try PipelineConfigLoader.parse(yaml: DemoPipeline.yaml, file: "pipelines/demo.yaml (built in)", environment: environment)
            }
        } catch {
            await simulator.stop()
            throw fail(error.description, code: ExitStatus.invalidInput)
        }
        let pipeline: Pipeline
        do {
            pipeline = try await PipelineBuilder.build(pipelineConfig, options: .init(shutdownSignals: [.sigint, .sigterm]), logger: logger)
        } catch {
            await simulator.stop()
            throw fail("Could not start the demo pipeline: \(error)", code: ExitStatus.runtimeFailure)
        }
        print("Forwarding for \(duration) s into \(outputDir) ...")
        let running = Task { try await pipeline.run() }
        try? await Task.sleep(for: .seconds(duration))
        // Twilio's side stops first, so the counts below are final: what was served and
        // acknowledged is exactly what the clean stop must have delivered.
        await simulator.pauseLiveEvents()
        await simulator.pauseDeliveries()
        await simulator.waitUntilAllVisible()
        await simulator.waitUntilDeliveriesSettled()
        // The poller picks up what became visible last within a poll or two.
        let visible = await simulator.groundTruthIDs().count + simulator.deliveries().filter(\.acknowledged).count
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline, ((try? await pipeline.journal.stats().events) ?? 0) < visible {
            try? await Task.sleep(for: .milliseconds(100))
        }
        await pipeline.shutdown()
        let result = await running.result
        let served = await simulator.groundTruthIDs().count
        let acknowledged = await simulator.deliveries().filter(\.acknowledged).count
        await simulator.stop()
        if case .failure(let error) = result {
            throw fail("The demo pipeline failed: \(error)", code: ExitStatus.runtimeFailure)
        }
        print("\nIn \(duration) s the simulator served \(served) Monitor events and Event Streams delivered \(acknowledged) CloudEvents"
              + " that the forwarder acknowledged: \(served + acknowledged) events for every output.")
        try report(outputDir: outputDir, config: pipelineConfig, expected: served + acknowledged)
    }

    private func report(outputDir: String, config: PipelineConfig, expected: Int) throws {
        print("\nWrote:")
        let fm = FileManager.default
        var samples: [(String, String)] = []
        for output in config.outputs {
            guard case .file(let file) = output.transport else { continue }
            let directory = (file.path as NSString).deletingLastPathComponent
            let names = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasSuffix(".part") }.sorted()
            var lines = 0
            var datasets: [String: Int] = [:]
            var sample: String?
            for name in names {
                guard let data = fm.contents(atPath: directory + "/" + name) else { continue }
                let bytes = file.gzip ? ((try? Gzip.decompress(Array(data))) ?? []) : Array(data)
                let text = String(decoding: bytes, as: UTF8.self)
                for line in text.split(separator: "\n") {
                    lines += 1
                    // NDJSON `"dataset":"…"`, RFC 5424 `dataset="…"`, CEF `cat=…`: the dataset name is in each.
                    if let dataset = ["twilio.event_streams", "twilio.monitor"].first(where: { line.contains($0) }) {
                        datasets[dataset, default: 0] += 1
                    }
                    if sample == nil, line.contains("ip.blocked"), !line.contains("dryrun") { sample = String(line) }
                }
            }
            let split = datasets.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let verdict = lines == expected ? "all of them" : "\(expected - lines) missing"
            print("  \(output.name) (\(output.format.name)): \(lines) events, \(verdict) (\(split)), in \(names.count) files in \(directory)/")
            if let sample { samples.append((output.format.name, sample)) }
        }
        for (format, sample) in samples {
            print("\nOne \(format) record (an IAM ip.blocked event from Event Streams):\n\(sample)")
        }
        print("\nOpen them with: zcat \(outputDir)/ndjson/*.ndjson.gz | head; head \(outputDir)/rfc5424/* \(outputDir)/cef/*")
    }
}
