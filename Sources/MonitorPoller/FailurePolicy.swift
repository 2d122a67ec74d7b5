/// What the poller does after a request of a window failed. No I/O: the decision depends only
/// on the failure and on two facts the poller knows.
package enum FailureAction: Sendable, Equatable {
    /// Ask for the same page again after a backoff delay; the cursor stays.
    case retryPage
    /// Fetch the window again from its first page after a backoff delay; the cursor stays, and
    /// the pages already stored are deduplicated by the journal.
    case restartWindow
    /// Stop the poller (and with it the pipeline, exit 2): retrying cannot help.
    case stop
}

/// Which failures the Monitor poller retries, and how.
///
/// | failure | first page of a window | a `next_page_url` |
/// |---|---|---|
/// | 429, 5xx, timeout, reset, unreadable body | retry the page | retry the page |
/// | 401/403, credentials never accepted by this process | stop | stop |
/// | 401/403 after they were accepted | retry the page | retry the page |
/// | any other 4xx | stop | fetch the window again |
///
/// Credentials refused at the first contact are a configuration mistake, which `run` reports at
/// once; refused after they worked, they were revoked or rotated (or the API had a moment), and
/// the process keeps taking Event Streams deliveries while it retries at the backoff's pace. A
/// refused `next_page_url` names a page the API no longer knows (its first page was accepted, so
/// the request itself is sound): starting the window over is the way past it.
package enum FailurePolicy {
    package static func action(for kind: MonitorAPIError.Kind, isNextPage: Bool, credentialsAccepted: Bool) -> FailureAction {
        switch kind {
        case .unavailable, .transport:
            return .retryPage
        case .unauthorized:
            return credentialsAccepted ? .retryPage : .stop
        case .rejected:
            return isNextPage ? .restartWindow : .stop
        }
    }
}
