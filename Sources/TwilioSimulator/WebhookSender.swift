import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// Sends one Event Streams delivery to its target the way Twilio does: signed (`bodySHA256` in the URL,
/// `X-Twilio-Signature` over that URL), Basic auth when the sink URL carried credentials,
/// 5 s per attempt, retried on 429, 5xx, timeouts and connection errors with exponential
/// backoff and jitter (same body, same event ids), dropped on any other 4xx.
struct WebhookSender: Sendable {
    enum AttemptResult: Equatable, Sendable {
        case acknowledged
        case discard(status: Int)
        case retry
    }

    static let attemptTimeout: TimeAmount = .seconds(5)
    static let firstBackoff: Duration = .milliseconds(250)
    static let maxBackoff: Duration = .seconds(10)
    /// Twilio gives up on a delivery after about four hours of retries.
    static let retryWindow: Duration = .seconds(4 * 3600)

    var authToken: String
    var basicAuth: BasicAuthCredentials?
    var client: HTTPClient
    var ledger: DeliveryLedger
    var seed: UInt64
    var logger: Logger

    /// Delivers until acknowledged, discarded, out of retry window, or cancelled.
    func deliver(_ delivery: DeliveryLedger.Delivery) async {
        let url = TwilioSignature.urlWithBodyHash(delivery.target.requestURL, body: delivery.body)
        let signature = TwilioSignature.sign(url: url, authToken: authToken)
        var jitter = SplitMix64(seed: seed, stream: RandomStream.retryJitter, index: UInt64(delivery.number))
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            ledger.recordAttempt(delivery.number)
            let result = await send(delivery, url: url, signature: signature, attempt: attempt)
            switch result {
            case .acknowledged:
                ledger.settle(delivery.number, outcome: .acknowledged)
                return
            case .discard(let status):
                logger.debug("Event Streams delivery discarded", metadata: ["delivery": "\(delivery.number)", "status": "\(status)"])
                ledger.settle(delivery.number, outcome: .discarded)
                return
            case .retry:
                if Task.isCancelled {
                    ledger.settle(delivery.number, outcome: .abandoned)
                    return
                }
                if ContinuousClock.now - started > WebhookSender.retryWindow {
                    ledger.settle(delivery.number, outcome: .discarded)
                    return
                }
                do {
                    try await Task.sleep(for: WebhookSender.backoff(attempt: attempt, jitter: &jitter))
                } catch {
                    ledger.settle(delivery.number, outcome: .abandoned)
                    return
                }
            }
        }
    }

    /// Equal jitter: half the exponential step fixed, half random; 250 ms doubling to 10 s.
    static func backoff(attempt: Int, jitter: inout SplitMix64) -> Duration {
        let exponent = min(max(attempt - 1, 0), 16)
        let step = min(firstBackoff * (1 << exponent), maxBackoff)
        return step / 2 + (step / 2) * jitter.nextUnit()
    }

    private func send(_ delivery: DeliveryLedger.Delivery, url: String, signature: String, attempt: Int) async -> AttemptResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Twilio-Signature", value: signature)
        request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1")
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: "sim-\(seed)-\(delivery.number)")
        if let credentials = delivery.target.credentials ?? basicAuth {
            request.headers.add(name: "Authorization", value: credentials.headerValue)
        }
        request.body = .bytes(delivery.body)
        do {
            let response = try await client.execute(request, timeout: WebhookSender.attemptTimeout, logger: logger)
            do {
                for try await _ in response.body {}
            } catch {
                // The status decides; a broken response body does not change it.
            }
            return WebhookSender.classify(status: Int(response.status.code))
        } catch {
            logger.debug("Event Streams delivery attempt failed", metadata: [
                "delivery": "\(delivery.number)", "attempt": "\(attempt)", "error": "\(error)",
            ])
            return .retry
        }
    }

    /// 2xx acknowledges; 429 and 5xx are retried; anything else is dropped, as Twilio does.
    static func classify(status: Int) -> AttemptResult {
        switch status {
        case 200..<300: return .acknowledged
        case 429, 500..<600: return .retry
        default: return .discard(status: status)
        }
    }
}
