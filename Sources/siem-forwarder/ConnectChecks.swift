import AsyncHTTPClient
import ForwarderCore
import ForwarderRuntime
import MonitorPoller
import NATSSource
import Outputs

/// `validate --connect`: asks the Monitor API for one event with the pipeline's credentials,
/// looks up the NATS source's stream and consumer, and connects to every TCP, TLS and NATS
/// output (handshake included), as `run` would; one line each.
enum ConnectChecks {
    /// The outcome of one check, as printed.
    struct Result: Sendable, Equatable {
        var passed: Bool
        var line: String
    }

    /// Every check of the pipeline, in file order: the Monitor source first, then the outputs.
    static func run(_ config: PipelineConfig, clock: WallClock = .system) async -> [Result] {
        var results: [Result] = []
        if let monitor = config.sources.monitor {
            results.append(await monitorCheck(monitor, clock: clock))
        }
        if let nats = config.sources.nats {
            do {
                results.append(Result(passed: true, line: try await NATSSource.preflight(nats)))
            } catch {
                results.append(Result(passed: false, line: "\(error)"))
            }
        }
        for output in config.outputs {
            switch output.transport {
            case .tcp(let tcp):
                results.append(await collectorCheck(output: output.name, tcp: tcp, tls: nil))
            case .tls(let tls):
                results.append(await collectorCheck(output: output.name, tcp: tls.tcp, tls: tls))
            case .nats(let nats):
                results.append(await natsCheck(output: output.name, nats: nats))
            case .file, .udp:
                break
            }
        }
        return results
    }

    /// One page of one event from the last day: the credentials are accepted when it comes back.
    static func monitorCheck(_ monitor: MonitorSourceConfig, clock: WallClock) async -> Result {
        let http = ReplayWiring.makeHTTPClient()
        let client = MonitorClient(http: http, baseURL: monitor.baseURL, username: monitor.username, password: monitor.password,
                                   requestTimeout: monitor.requestTimeout)
        let url = client.listURL(startDate: clock.now().adding(.seconds(-86_400)), endDate: nil, pageSize: 1)
        let result: Result
        do {
            _ = try await client.fetchPage(url, clock: clock)
            result = Result(passed: true, line: "Monitor API at \(monitor.baseURL) accepted the credentials of \(monitor.username).")
        } catch {
            result = Result(passed: false, line: monitorFailure(error, monitor: monitor))
        }
        try? await http.shutdown()
        return result
    }

    /// What a refused Monitor request means for `validate`, which does not retry.
    static func monitorFailure(_ error: MonitorAPIError, monitor: MonitorSourceConfig) -> String {
        let code = error.twilioCode.map { ", Twilio \($0)" } ?? ""
        switch error.kind {
        case .unauthorized:
            return "Monitor API at \(monitor.baseURL) refused the credentials of \(monitor.username) (HTTP \(error.status ?? 401)\(code)): "
                + "\(error.message); check sources.monitor.account_sid, username and password."
        case .rejected, .unavailable:
            return "Monitor API at \(monitor.baseURL) answered HTTP \(error.status ?? 0)\(code): \(error.message)."
        case .transport:
            return "Monitor API at \(monitor.baseURL) could not be reached: \(error.message); check sources.monitor.base_url and the network."
        }
    }

    /// Twilio retries an Event Streams delivery for up to four hours; a resend onto another
    /// replica later than the stream's duplicate window is stored twice.
    static let twilioRetryHorizon = Duration.seconds(4 * 3600)

    /// A connection to the NATS cluster and a look at the stream: it exists, and its duplicate
    /// window against Twilio's retry horizon (a warning, not a failure).
    static func natsCheck(output: String, nats: NATSTransportConfig) async -> Result {
        do {
            let window = try await NATSSink.preflight(output: output, settings: nats)
            let shown = DurationText.format(window)
            var line = "Output \(output) reached JetStream stream \(nats.stream) at \(nats.client.servers.joined(separator: ", ")); its duplicate window is \(shown)."
            if window < twilioRetryHorizon {
                line += " Warning: Twilio retries an Event Streams delivery for up to 4h, so one retried onto another replica after \(shown) would be stored twice; give the stream a window of 4h30m (Docs/SCALING.md)."
            }
            return Result(passed: true, line: line)
        } catch {
            return Result(passed: false, line: "\(error)")
        }
    }

    /// A connection to one collector, closed again at once.
    static func collectorCheck(output: String, tcp: TCPTransportConfig, tls: TLSTransportConfig?) async -> Result {
        let endpoint = "\(tls == nil ? "tcp" : "tls")://\(tcp.host):\(tcp.port)"
        do {
            try await StreamPreflight.connect(output: output, tcp: tcp, tls: tls)
            return Result(passed: true, line: "Output \(output) connected to \(endpoint)\(tls == nil ? "" : " (TLS handshake done)").")
        } catch {
            return Result(passed: false, line: error.description)
        }
    }
}
