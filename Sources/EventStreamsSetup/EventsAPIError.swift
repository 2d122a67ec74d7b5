/// Why a call to Twilio's Events API failed, as one sentence saying what to do.
package struct EventsAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was failing, e.g. `list the sinks`.
    package var operation: String
    /// The HTTP status, nil when no answer came.
    package var status: Int?
    package var twilioCode: Int?
    /// Twilio's message, or the transport's error.
    package var message: String
    /// What the user should do about it.
    package var advice: String

    package init(operation: String, status: Int?, twilioCode: Int?, message: String, advice: String) {
        self.operation = operation
        self.status = status
        self.twilioCode = twilioCode
        self.message = message
        self.advice = advice
    }

    package var description: String {
        guard let status else {
            return "Could not reach the Events API to \(operation) (\(message)); \(advice)."
        }
        let code = twilioCode.map { ", Twilio \($0)" } ?? ""
        return "Twilio refused to \(operation) (HTTP \(status)\(code): \(message)); \(advice)."
    }

    /// Advice for an answer, from its status: credentials for 401/403, the given `refusal`
    /// advice for other 4xx (what the request carried that Twilio may reject), retrying for 429/5xx.
    static func advice(status: Int, refusal: String) -> String {
        switch status {
        case 401, 403:
            "check sources.event_streams.username and password (or, without them, sources.monitor's): they must be the "
                + "account SID and auth token, or an API key SID and secret, of the account that owns the sink"
        case 404:
            "the resource is gone (deleted meanwhile?); run the command again"
        case 429, 500...:
            "Twilio is busy or failing; run the command again in a minute"
        default:
            refusal
        }
    }

    static func unreachable(operation: String, url: String, error: String) -> EventsAPIError {
        EventsAPIError(operation: operation, status: nil, twilioCode: nil, message: error,
                       advice: "check sources.event_streams.events_api_url (\(url)) and that this host can reach it")
    }
}
