import ForwarderCore
import OutputFormats
import Outputs

/// One output a replay writes to: its encoder and framer, and either files (a new set per day,
/// each visible only once complete) or a network sink.
package struct ReplayOutput: Sendable {
    /// Where a replayed day goes.
    package enum Destination: Sendable {
        /// One file per day, `<directory>/twilio-replay-<yyyyMMdd>-<seq><suffix>`, gzip-compressed at
        /// `gzipLevel` (plain when nil, as the live output writes them).
        case files(directory: String, suffix: String, gzipLevel: Int?, permissions: FilePermissions)
        /// The output's own transport, fed day after day in time order (at least once).
        case network(makeSink: @Sendable () throws -> any RecordSink)
    }

    package var name: String
    package var encoder: any EventEncoder
    package var framer: any RecordFramer
    package var destination: Destination

    package init(name: String, encoder: any EventEncoder, framer: any RecordFramer, destination: Destination) {
        self.name = name
        self.encoder = encoder
        self.framer = framer
        self.destination = destination
    }
}

/// How a replay runs.
package struct ReplaySettings: Sendable {
    package var stateDir: String
    package var pageSize: Int
    /// Days fetched at once, at most (halved on every 429, then grown back).
    package var concurrency: Int
    package var retry: Backoff
    package var clock: WallClock

    /// Ten days at once. Pages of one day follow each other (each `next_page_url` comes with the
    /// page before), so days are what runs in parallel: ten cover a ten-day replay in one round
    /// and a month in three. Twilio answers a 1000-event page in a few hundred milliseconds, so
    /// ten pages in flight bring about 30,000 events a second — what two cores can encode and
    /// compress — and stay far below Twilio's per-account concurrency limit; a 429 halves it.
    package static let defaultConcurrency = 10

    package init(stateDir: String, pageSize: Int, concurrency: Int = ReplaySettings.defaultConcurrency, retry: Backoff,
                clock: WallClock = .system) {
        self.stateDir = stateDir
        self.pageSize = pageSize
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.clock = clock
    }

    /// Pages and retries as `monitor`, the source the replay re-pulls, is configured (its
    /// defaults included: they are the configuration model's, not repeated here).
    package init(stateDir: String, monitor: MonitorSourceConfig, concurrency: Int = ReplaySettings.defaultConcurrency,
                clock: WallClock = .system) {
        self.init(stateDir: stateDir, pageSize: monitor.pageSize, concurrency: concurrency, retry: monitor.retry.backoff, clock: clock)
    }
}
