import MonitorPoller
import Testing

@Suite("Failure policy (which Monitor API failures are retried, and how; without I/O)")
struct FailurePolicyTests {
    /// One failure and what the poller knows when it happens.
    struct Case: Sendable, CustomTestStringConvertible {
        var kind: MonitorAPIError.Kind
        var isNextPage: Bool
        var credentialsAccepted: Bool
        var expected: FailureAction

        var testDescription: String {
            "\(kind) on \(isNextPage ? "a next page" : "a first page"), credentials \(credentialsAccepted ? "accepted before" : "never accepted") → \(expected)"
        }
    }

    static let cases: [Case] = [
        // 429 / 5xx and transport failures: the same page again, whatever else holds.
        Case(kind: .unavailable, isNextPage: false, credentialsAccepted: false, expected: .retryPage),
        Case(kind: .unavailable, isNextPage: false, credentialsAccepted: true, expected: .retryPage),
        Case(kind: .unavailable, isNextPage: true, credentialsAccepted: false, expected: .retryPage),
        Case(kind: .unavailable, isNextPage: true, credentialsAccepted: true, expected: .retryPage),
        Case(kind: .transport, isNextPage: false, credentialsAccepted: false, expected: .retryPage),
        Case(kind: .transport, isNextPage: false, credentialsAccepted: true, expected: .retryPage),
        Case(kind: .transport, isNextPage: true, credentialsAccepted: false, expected: .retryPage),
        Case(kind: .transport, isNextPage: true, credentialsAccepted: true, expected: .retryPage),
        // 401 / 403: a configuration mistake at the first contact, a revocation after it.
        Case(kind: .unauthorized, isNextPage: false, credentialsAccepted: false, expected: .stop),
        Case(kind: .unauthorized, isNextPage: true, credentialsAccepted: false, expected: .stop),
        Case(kind: .unauthorized, isNextPage: false, credentialsAccepted: true, expected: .retryPage),
        Case(kind: .unauthorized, isNextPage: true, credentialsAccepted: true, expected: .retryPage),
        // Other 4xx: a wrong request stops; a refused next_page_url starts the window over.
        Case(kind: .rejected, isNextPage: false, credentialsAccepted: false, expected: .stop),
        Case(kind: .rejected, isNextPage: false, credentialsAccepted: true, expected: .stop),
        Case(kind: .rejected, isNextPage: true, credentialsAccepted: false, expected: .restartWindow),
        Case(kind: .rejected, isNextPage: true, credentialsAccepted: true, expected: .restartWindow),
    ]

    @Test("each failure gets its action", arguments: cases)
    func action(_ row: Case) {
        #expect(FailurePolicy.action(for: row.kind, isNextPage: row.isNextPage, credentialsAccepted: row.credentialsAccepted) == row.expected)
    }

    @Test("the table covers every combination once")
    func complete() {
        let kinds: [MonitorAPIError.Kind] = [.unauthorized, .rejected, .unavailable, .transport]
        for kind in kinds {
            for isNextPage in [false, true] {
                for accepted in [false, true] {
                    let rows = Self.cases.filter { $0.kind == kind && $0.isNextPage == isNextPage && $0.credentialsAccepted == accepted }
                    #expect(rows.count == 1, "\(kind), next page \(isNextPage), accepted \(accepted)")
                }
            }
        }
    }
}
