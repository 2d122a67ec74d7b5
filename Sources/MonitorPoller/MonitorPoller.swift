import ForwarderCore
import Journal
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Pulls Monitor Events into the journal, forever: backfills settled UTC days oldest first, then
/// polls the live range every `pollInterval`. Retries 429/5xx/transport failures with backoff
/// (the cursor stays put), fetches a window again whose `next_page_url` is refused, retries
/// credentials refused after they had been accepted, stops on credentials refused at the first
/// contact and on other 4xx (``FailurePolicy``), and reports its watermark to the merger.
package final class MonitorPoller: Service, Sendable {
    /// How the poller paces itself.
    package struct Settings: Sendable {
        package var pageSize: Int
        package var pollInterval: Duration
        package var lookback: Duration
        package var start: MonitorStart
        package var retry: Backoff

        package init(pageSize: Int, pollInterval: Duration, lookback: Duration, start: MonitorStart, retry: Backoff) {
            self.pageSize = pageSize
            self.pollInterval = pollInterval
            self.lookback = lookback
            self.start = start
            self.retry = retry
        }

        /// The pacing a Monitor source is configured with, defaults included.
        package init(_ source: MonitorSourceConfig) {
            self.init(pageSize: source.pageSize, pollInterval: source.pollInterval, lookback: source.lookback,
                      start: source.start, retry: source.retry.backoff)
        }
    }

    let client: MonitorClient
    let journal: Journal
    let settings: Settings
    let reporter: any WatermarkReporter
    let health: HealthRegistry?
    let clock: WallClock
    let logger: Logger
    let plan: PollPlan
    let source: SourceID = .monitor
    /// Called after each completed live window (the `--once` mode stops the pipeline there).
    let onLiveWindowComplete: (@Sendable () async -> Void)?

    private let requests: Counter
    private let retries: Counter
    private let inserted: Counter
    private let duplicates: Counter
    private let watermarkLag: Gauge
    private let lastSuccess: Gauge
    private let failures = Mutex(FailureStreak())

    /// Failed requests since the last complete window, and whether the API ever accepted the
    /// credentials in this process.
    private struct FailureStreak {
        var credentialsAccepted = false
        var count = 0
        var since: Timestamp?
        /// The same failure is logged once a minute with a count, not once per retry.
        var repeats = RepeatedMessages()
    }

    package init(
        client: MonitorClient, journal: Journal, settings: Settings, reporter: any WatermarkReporter, health: HealthRegistry? = nil,
        clock: WallClock = .system, logger: Logger, onLiveWindowComplete: (@Sendable () async -> Void)? = nil
    ) {
        self.onLiveWindowComplete = onLiveWindowComplete
        self.client = client
        self.journal = journal
        self.settings = settings
        self.reporter = reporter
        self.health = health
        self.clock = clock
        self.logger = logger
        self.plan = PollPlan(lookback: settings.lookback)
        requests = Counter(label: "siem_forwarder_monitor_requests_total")
        retries = Counter(label: "siem_forwarder_monitor_retries_total")
        inserted = Counter(label: "siem_forwarder_monitor_events_total", dimensions: [("result", "new")])
        duplicates = Counter(label: "siem_forwarder_monitor_events_total", dimensions: [("result", "duplicate")])
        watermarkLag = Gauge(label: "siem_forwarder_monitor_watermark_lag_seconds")
        lastSuccess = Gauge(label: "siem_forwarder_monitor_last_success_timestamp_seconds")
    }

    /// The stored cursor, or where a first run starts.
    package func loadCursor() async throws -> MonitorCursor {
        if let bytes = try await journal.checkpoint(of: source) {
            guard let cursor = MonitorCursor(encoded: bytes) else {
                throw JournalError(operation: "read the Monitor cursor", path: journal.path, underlying: "it is not in a format this version understands; reset it with `siem-forwarder checkpoint reset`")
            }
            return cursor
        }
        return PollPlan.initialCursor(start: settings.start, now: clock.now())
    }

    package func run() async throws {
        await health?.register(.monitor)
        var cursor = try await loadCursor()
        logger.info("Monitor poller starting", metadata: ["cursor": "\(cursor)"])
        if let watermark = cursor.reportedWatermark {
            await reporter.report(source, watermark: watermark)
        }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let polled: MonitorCursor?
            do {
                polled = try await pollOnce(cursor)
            } catch is CancellationError where Task.isShuttingDownGracefully {
                polled = nil
            }
            guard let next = polled else {
                break  // shutting down mid-window; the cursor was not moved
            }
            cursor = next
            if case .backfill = cursor.phase { continue }  // more settled days to fetch: no pause
            await onLiveWindowComplete?()
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: self.settings.pollInterval)
            }
        }
        logger.info("Monitor poller stopped", metadata: ["cursor": "\(cursor)"])
    }

    /// Fetches the next window after `cursor` completely, stores it with the new cursor, reports
    /// the new watermark and returns the cursor; nil if shutdown interrupted the window.
    package func pollOnce(_ cursor: MonitorCursor) async throws -> MonitorCursor? {
        let startedAt = clock.now()
        let window = plan.window(for: cursor, now: startedAt)
        guard let next = try await poll(window, cursor: cursor, startedAt: startedAt) else { return nil }
        if let watermark = next.reportedWatermark {
            watermarkLag.record(clock.now().duration(since: watermark).secondsDouble)
            await reporter.report(source, watermark: watermark)
        }
        lastSuccess.record(Double(clock.now().epochMilliseconds) / 1000)
        await health?.ok(.monitor, detail: "\(next)")
        let (failed, since) = failures.withLock { streak in
            defer { streak.count = 0; streak.since = nil; streak.repeats.reset() }
            return (streak.count, streak.since)
        }
        if failed > 0, let since {
            let seconds = (clock.now().duration(since: since).secondsDouble * 10).rounded() / 10
            logger.notice("Monitor API answers again: a window completed after \(failed) failed requests over \(seconds) s", metadata: ["cursor": "\(next)"])
        }
        return next
    }

    /// Pages through one window, storing each page as it arrives and the new cursor with the
    /// last page; starts over from the first page, after a backoff, when the API refuses a
    /// `next_page_url`. Returns nil if shutdown interrupted it.
    func poll(_ window: PollWindow, cursor: MonitorCursor, startedAt: Timestamp) async throws -> MonitorCursor? {
        var restarts = settings.retry
        while true {
            do {
                return try await pollPages(window, cursor: cursor, startedAt: startedAt)
            } catch let refused as NextPageRefused {
                let delay = restarts.nextDelay()
                let reason = refused.sentence
                logger.warning("\(reason)", metadata: [
                    "url": "\(refused.error.url)", "attempt": "\(restarts.attempt)", "delay_ms": "\(delay.milliseconds)",
                ])
                await health?.failing(.monitor, reason: reason)
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: delay)
                }
            }
        }
    }

    /// One pass over the pages of `window`; throws ``NextPageRefused`` for ``poll(_:cursor:startedAt:)``.
    /// The next page is requested while this one is stored (pages are still stored in order, and
    /// a page is requested only when the one before says the window goes on), so the API's
    /// latency and decoding overlap the journal's commit.
    private func pollPages(_ window: PollWindow, cursor: MonitorCursor, startedAt: Timestamp) async throws -> MonitorCursor? {
        var progress = WindowProgress()
        var page = try await fetchWithRetry(client.listURL(startDate: window.start, endDate: window.end, pageSize: settings.pageSize),
                                            isNextPage: false, seen: cursor.reportedWatermark)
        while true {
            progress.count(page)
            if let nextURL = page.nextPageURL, plan.shouldFetchNextPage(after: page.events, hasNextPage: true, window: window) {
                async let following = fetchWithRetry(nextURL, isNextPage: true, seen: cursor.reportedWatermark)
                try await store(page, checkpoint: nil, progress: &progress)
                if Task.isShuttingDownGracefully || Task.isCancelled { return nil }
                page = try await following
                continue
            }
            let after = plan.cursor(after: window, previous: cursor, newestSeen: progress.newest, pollStartedAt: startedAt)
            try await store(page, checkpoint: SourceCheckpoint(source: source, state: after.encoded()), progress: &progress)
            // The window's events count as arrived once it is complete: pages come newest
            // first, so releasing one page before the older ones are in would make them late.
            if let newestStored = progress.newestStored {
                await reporter.journalChanged(MergeState.Arrival(receivedAt: clock.now(), newest: newestStored))
            }
            logger.debug("Monitor window complete", metadata: [
                "start": "\(window.start)", "pages": "\(progress.pages)", "events": "\(progress.fetched)", "cursor": "\(after)",
            ])
            return after
        }
    }

    /// Stores one page (with the window's checkpoint when it is the last) and counts it.
    private func store(_ page: MonitorPage, checkpoint: SourceCheckpoint?, progress: inout WindowProgress) async throws {
        let result = try await journal.append(page.events, receivedAt: clock.now(), checkpoint: checkpoint)
        inserted.increment(by: result.inserted)
        duplicates.increment(by: result.duplicates)
        if result.inserted > 0, let newestOnPage = page.events.map(\.time).max() {
            progress.newestStored = max(progress.newestStored ?? newestOnPage, newestOnPage)
        }
    }

    /// One page, retrying what ``FailurePolicy`` says is worth retrying; throws
    /// ``NextPageRefused`` when the window must start over, and the error when the poller must stop.
    /// While it retries, the lag gauge keeps growing from `seen`, the last watermark reported.
    func fetchWithRetry(_ url: String, isNextPage: Bool, seen: Timestamp? = nil) async throws -> MonitorPage {
        var backoff = settings.retry
        while true {
            requests.increment()
            let error: MonitorAPIError
            do {
                let page = try await client.fetchPage(url, clock: clock)
                failures.withLock { $0.credentialsAccepted = true }
                return page
            } catch let failure {
                error = failure
            }
            let now = clock.now()
            let credentialsAccepted = failures.withLock { streak in
                streak.count += 1
                if streak.since == nil { streak.since = now }
                return streak.credentialsAccepted
            }
            switch FailurePolicy.action(for: error.kind, isNextPage: isNextPage, credentialsAccepted: credentialsAccepted) {
            case .retryPage:
                retries.increment()
                if let seen { watermarkLag.record(clock.now().duration(since: seen).secondsDouble) }
                let delay = backoff.nextDelay(retryAfter: error.retryAfter)
                var metadata: Logger.Metadata = ["error": "\(error)", "attempt": "\(backoff.attempt)", "delay_ms": "\(delay.milliseconds)"]
                let (log, repeated) = failures.withLock { $0.repeats.record(error.description, now: now) }
                if repeated > 0 { metadata["repeated"] = "\(repeated)" }
                if log, error.kind == .unauthorized {
                    logger.error("Monitor API refused credentials it had accepted; retrying until it accepts them again", metadata: metadata)
                } else if log {
                    logger.warning("Monitor request failed; retrying", metadata: metadata)
                }
                await health?.failing(.monitor, reason: error.description)
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: delay)
                }
            case .restartWindow:
                throw NextPageRefused(error: error)
            case .stop:
                await health?.failing(.monitor, reason: error.description)
                logger.error("Monitor poller stopped: \(error)")
                throw error
            }
        }
    }
}

/// What the pages of one window held so far: the newest event time seen and stored, for the cursor
/// and the merger.
private struct WindowProgress {
    var pages = 0
    var fetched = 0
    var newest: Timestamp?
    var newestStored: Timestamp?

    mutating func count(_ page: MonitorPage) {
        pages += 1
        fetched += page.events.count
        for event in page.events where event.timeSource == .event {
            newest = newest.map { max($0, event.time) } ?? event.time
        }
    }
}

/// The API refused a `next_page_url` of the window being fetched: the window starts over.
struct NextPageRefused: Error {
    var error: MonitorAPIError

    /// What `/readyz` and the log say about it.
    var sentence: String {
        let code = error.twilioCode.map { ", Twilio \($0)" } ?? ""
        return "Monitor API refused the next page of a window (HTTP \(error.status ?? 0)\(code): \(error.message)); "
            + "fetching the window again from its first page."
    }
}
