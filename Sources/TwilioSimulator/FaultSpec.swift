/// One kind of fault the simulator can inject into a `/v1/` response.
package enum FaultKind: String, Sendable, CaseIterable, Hashable, Codable {
    /// 429 with code 20429, with `Retry-After: 1` half of the time.
    case tooManyRequests = "429"
    /// 429 with code 20429 and always `Retry-After: 1`.
    case tooManyRequestsWithRetryAfter = "429+retry-after"
    /// 429 with code 20429 and never a `Retry-After`.
    case tooManyRequestsWithoutRetryAfter = "429-retry-after"
    /// 500 in Twilio's legacy JSON error shape.
    case internalError = "500"
    /// 503 as RFC 9457 `application/problem+json`.
    case unavailable = "503"
    /// The correct answer, after ``SimulatorConfiguration/slowResponseDelay``.
    case slow
    /// The TCP connection is reset without any response.
    case reset
    /// Headers and part of the body, then the connection closes (or the body is cut short).
    case truncate
    /// Only requests carrying a `PageToken` (a `next_page_url`): 404 with code 20404, as Twilio
    /// answers for a resource it does not know. Drawn on its own for those requests, so its rate
    /// does not count towards the total of the others.
    case pageNotFound = "page404"

    /// The kinds a plain rate such as `0.1` is spread over: what an overloaded or flaky front
    /// end does to any request.
    package static let spreadByPlainRate: [FaultKind] = [.tooManyRequests, .internalError, .unavailable, .slow, .reset, .truncate]
}

/// Which faults to inject and how often (each a probability per request; they add up).
///
/// Parsed from `"0.1"` (a total rate split evenly across 429, 500, 503, slow, reset and
/// truncate) or from a list such as `"429=0.05,500=0.03,503=0.01,slow=0.01,reset=0.02,truncate=0.01"`,
/// which may also name `429+retry-after`, `429-retry-after` and `page404`.
package struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    /// No faults.
    package static let none = FaultSpec(rates: [:])

    /// Probability per request of each kind; kinds not present are never injected.
    package var rates: [FaultKind: Double]

    package init(rates: [FaultKind: Double]) {
        self.rates = rates
    }

    /// Parses the `--faults` syntax; the error names the part that could not be used.
    package init(parsing text: String) throws(SimulatorConfigurationError) {
        let trimmed = text.trimmingSpaces()
        if trimmed.isEmpty || trimmed == "none" {
            self = .none
            return
        }
        if let total = Double(trimmed) {
            guard total.isFinite, (0...1).contains(total) else {
                throw SimulatorConfigurationError("Fault rate \"\(trimmed)\" must be a number between 0 and 1.")
            }
            let share = total / Double(FaultKind.spreadByPlainRate.count)
            var rates: [FaultKind: Double] = [:]
            if total > 0 {
                for kind in FaultKind.spreadByPlainRate { rates[kind] = share }
            }
            self.init(rates: rates)
            return
        }
        var rates: [FaultKind: Double] = [:]
        let expected = FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
        for rawPart in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let part = String(rawPart).trimmingSpaces()
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else {
                throw SimulatorConfigurationError(
                    "Fault spec part \"\(part)\" is not KIND=RATE (kinds: \(expected)), in \"\(text)\"."
                )
            }
            let name = String(pieces[0]).trimmingSpaces()
            let rateText = String(pieces[1]).trimmingSpaces()
            guard let kind = FaultKind(rawValue: name) else {
                throw SimulatorConfigurationError(
                    "Fault spec part \"\(part)\" names unknown fault kind \"\(name)\" (expected one of \(expected))."
                )
            }
            guard let rate = Double(rateText), rate.isFinite, (0...1).contains(rate) else {
                throw SimulatorConfigurationError(
                    "Fault spec part \"\(part)\" has rate \"\(rateText)\", which is not a number between 0 and 1."
                )
            }
            guard rates[kind] == nil else {
                throw SimulatorConfigurationError("Fault spec part \"\(part)\" repeats fault kind \"\(name)\".")
            }
            if rate > 0 { rates[kind] = rate }
        }
        let total = rates.filter { $0.key != .pageNotFound }.values.reduce(0, +)
        guard total <= 1 + 1e-9 else {
            throw SimulatorConfigurationError("Fault rates in \"\(text)\" add up to \(total), more than 1.")
        }
        self.init(rates: rates)
    }

    /// Sum of the rates that apply to any request: the probability that a request without a
    /// `PageToken` gets some fault.
    package var totalRate: Double { rates.filter { $0.key != .pageNotFound }.values.reduce(0, +) }

    package var description: String {
        if rates.isEmpty { return "none" }
        return FaultKind.allCases.compactMap { kind in rates[kind].map { "\(kind.rawValue)=\($0)" } }
            .joined(separator: ",")
    }

    /// Picks the fault for one request from a uniform draw in [0, 1); `nil` = answer normally.
    /// ``FaultKind/pageNotFound`` is never picked here: it has its own draw.
    func fault(forDraw draw: Double) -> FaultKind? {
        var cumulative = 0.0
        for kind in FaultKind.allCases where kind != .pageNotFound {
            guard let rate = rates[kind] else { continue }
            cumulative += rate
            if draw < cumulative { return kind }
        }
        return nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
