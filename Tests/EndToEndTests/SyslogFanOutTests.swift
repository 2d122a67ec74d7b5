import ForwarderCore
import ForwarderRuntime
import Foundation
import Journal
import Outputs
import TestSupport
import Testing
import TwilioSimulator

@Suite("Fan-out to syslog-ng and files", .serialized, .enabled(if: SyslogNG.interopTestsRun))
struct SyslogFanOutTests {
    static let enterpriseID = 32473

    /// syslog outputs of one pipeline, as YAML list items.
    static func outputsYAML(tcpPort: Int, tlsPort: Int, udpPort: Int, caFile: String, cefPath: String) -> String {
        let rfc5424 = "{ hostname: fwd-test, app_name: twilio-fwd, enterprise_id: \(enterpriseID), facility: local4 }"
        return """

          - name: syslog-tcp
            format: rfc5424
            rfc5424: \(rfc5424)
            transport: { type: tcp, host: 127.0.0.1, port: \(tcpPort), framing: octet-counting, reconnect: { initial: 100ms, max: 500ms } }
          - name: syslog-tls
            format: rfc5424
            rfc5424: \(rfc5424)
            transport: { type: tls, host: 127.0.0.1, port: \(tlsPort), ca_file: \(caFile), server_name: localhost, reconnect: { initial: 100ms, max: 500ms } }
          - name: syslog-udp
            format: rfc5424
            rfc5424: \(rfc5424)
            transport: { type: udp, host: 127.0.0.1, port: \(udpPort) }
          - name: cef-file
            format: cef
            transport: { type: file, path: \(cefPath) }
        """
    }

    @Test("syslog-ng parses every record; TCP and TLS lose nothing while the collector is down; files keep flowing meanwhile")
    func fanOut() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 5, days: 1, perDay: 1500, perMinute: 1200), logger: quietLogger)
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let tcp = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/tcp")
        let tls = SyslogNG(.tls(octetCounting: true, certFile: ca.serverCert, keyFile: ca.serverKey), directory: dir.path + "/tls")
        let udp = SyslogNG(.udp, directory: dir.path + "/udp")
        for receiver in [tcp, tls, udp] { try await receiver.start() }

        let yaml = monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path)
            + Self.outputsYAML(tcpPort: tcp.port, tlsPort: tls.port, udpPort: udp.port, caFile: ca.caFile, cefPath: dir.path + "/cef/twilio.cef")
        let config = try PipelineConfigLoader.parse(yaml: yaml, file: "test.yaml", environment: [:])
        let pipeline = try await PipelineBuilder.build(config, options: .init(shutdownSignals: []), logger: quietLogger)
        let running = Task { try await pipeline.run() }
        let outputs = Dictionary(uniqueKeysWithValues: pipeline.outputs.map { ($0.name, $0) })
        let files = try #require(outputs["files"]), syslogTCP = try #require(outputs["syslog-tcp"])

        try await eventually("history delivered to the collectors") {
            await syslogTCP.committedSequence() >= 1500
        }
        // The collectors go away; live events keep coming and the file output keeps writing them.
        try await tcp.stop()
        try await tls.stop()
        let whileDown = await files.committedSequence()
        try await eventually("the file output moves on while the collectors are down") {
            await files.committedSequence() >= whileDown + 60
        }
        let stalled = await syslogTCP.committedSequence()
        #expect(stalled < (try await pipeline.journal.stats().lastSequence), "the TCP output is held back, not skipping")
        try await tcp.start()
        try await tls.start()

        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        let truth = await simulator.groundTruthIDs()
        try await eventually(timeout: .seconds(90), "every output caught up") {
            let stats = try await pipeline.journal.stats()
            guard stats.events == truth.count, stats.pending == 0 else { return false }
            for output in pipeline.outputs where await output.committedSequence() != stats.lastSequence { return false }
            return true
        }
        await pipeline.shutdown()
        try await running.value
        await simulator.stop()

        // The reference: the gzip files, exactly once.
        let records = try ndjsonRecords(in: dir.path + "/out")
        #expect(records.count == truth.count)
        var typeOf: [String: String] = [:]
        var timeOf: [String: String] = [:]
        var originalOf: [String: JSONValue] = [:]
        for record in records {
            let id = record["event"]?["id"]?.stringValue ?? ""
            typeOf[id] = record["event"]?["action"]?.stringValue
            timeOf[id] = record["@timestamp"]?.stringValue
            originalOf[id] = record["twilio"]
        }
        #expect(Set(typeOf.keys) == truth)

        /// Every message's header and SD parameters checked against the original Twilio event;
        /// one line per message that differs, so a summary reports a systematic problem once.
        func mismatches(_ messages: [SyslogNG.Message]) -> [String] {
            messages.compactMap { message -> String? in
                let sd = message.structuredData["twilio@\(Self.enterpriseID)"] ?? [:]
                let id = sd["id"] ?? ""
                guard let original = originalOf[id] else { return "\(id): not an event of the files" }
                let expected: [String: String?] = [
                    "type": original["event_type"]?.stringValue, "account": original["account_sid"]?.stringValue,
                    "actor": original["actor_sid"]?.stringValue, "actorType": original["actor_type"]?.stringValue,
                    "ip": original["source_ip_address"]?.stringValue, "resource": original["resource_sid"]?.stringValue,
                    "resourceType": original["resource_type"]?.stringValue, "dataset": "twilio.monitor",
                ]
                for (key, value) in expected where sd[key] != value.flatMap({ $0.isEmpty ? nil : $0 }) {
                    return "\(id): SD \(key)=\(sd[key] ?? "nil"), expected \(value ?? "nil")"
                }
                guard let seq = sd["seq"], Int(seq) ?? 0 > 0 else { return "\(id): no seq" }
                guard message.host == "fwd-test", message.program == "twilio-fwd" else { return "\(id): HOSTNAME/APP-NAME" }
                guard message.msgid == typeOf[id].map({ String($0.prefix(32)) }) else { return "\(id): MSGID \(message.msgid ?? "nil")" }
                guard message.facility == "local4" else { return "\(id): facility \(message.facility ?? "nil")" }
                return nil
            }
        }

        for (name, receiver) in [("tcp", tcp), ("tls", tls)] {
            let messages = try await receiver.waitForMessages(covering: truth, sdID: "twilio@\(Self.enterpriseID)")
            try await receiver.stop()
            let ids = messages.compactMap { $0.structuredData["twilio@\(Self.enterpriseID)"]?["id"] }
            #expect(ids.count == messages.count, "\(name): every message has the SD id")
            #expect(Set(ids) == truth, "\(name): nothing lost across the collector's restart (at least once)")
            #expect(ids.count - Set(ids).count <= 2000, "\(name): resends bounded to the unconfirmed window")
            let wrong = mismatches(messages)
            #expect(wrong.isEmpty, "\(name): \(wrong.count) of \(messages.count) messages differ, e.g. \(wrong.prefix(3))")
        }

        // UDP is at most once by nature; on loopback with a large receive buffer nothing should drop.
        let datagrams = try await udp.waitForMessages(truth.count)
        try await udp.stop()
        let udpIDs = Set(datagrams.compactMap { $0.structuredData["twilio@\(Self.enterpriseID)"]?["id"] })
        #expect(udpIDs.isSubset(of: truth))
        #expect(Double(udpIDs.count) >= Double(truth.count) * 0.99, "UDP delivered \(udpIDs.count) of \(truth.count)")
        let wrongUDP = mismatches(datagrams)
        #expect(wrongUDP.isEmpty, "udp: \(wrongUDP.count) of \(datagrams.count) messages differ, e.g. \(wrongUDP.prefix(3))")

        // CEF lines in the append file parse back to the same events, exactly once.
        let cefText = try String(contentsOfFile: dir.path + "/cef/twilio.cef", encoding: .utf8)
        #expect(cefText.hasSuffix("\n"))
        let cef = try cefText.split(separator: "\n").map { try parseCEF(String($0)) }
        let cefIDs = cef.compactMap { $0.extensions["externalId"] }
        #expect(cefIDs.count == truth.count && Set(cefIDs) == truth)
        for record in cef {
            let id = record.extensions["externalId"] ?? ""
            #expect(record.deviceVendor == "Twilio" && record.signatureID == typeOf[id])
            let rt = Int64(record.extensions["rt"] ?? "") ?? -1
            #expect(timeOf[id] == Timestamp(epochMilliseconds: rt).rfc3339)
        }
    }
}
