import Foundation

/// A pipeline file for tests: the Monitor source against the simulator, one gzip NDJSON output.
func monitorPipelineYAML(
    simulatorURL: String, directory: String, lookback: String = "2s", pollInterval: String = "200ms", backfill: String = "4d",
    maxAge: String = "500ms", pageSize: Int = 1000, requestTimeout: String = "5s", operationsPort: Int = 0
) -> String {
    """
    state:
      dir: \(directory)/state
    server:
      listen: 127.0.0.1:0
    operations:
      listen: "127.0.0.1:\(operationsPort)"
    sources:
      monitor:
        base_url: \(simulatorURL)
        account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
        password: simulator-auth-token
        poll_interval: \(pollInterval)
        lookback: \(lookback)
        page_size: \(pageSize)
        backfill: \(backfill)
        request_timeout: \(requestTimeout)
        retry: { initial: 20ms, max: 500ms }
    merge:
      max_hold: 30s
    outputs:
      - name: files
        format: ndjson
        transport:
          type: file
          path: \(directory)/out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
          rotate: { max_bytes: 256KiB, max_age: \(maxAge) }
    """
}
