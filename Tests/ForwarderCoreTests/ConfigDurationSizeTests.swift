import Testing
import ForwarderCore

@Suite("Duration and size syntax")
struct ConfigDurationSizeTests {
    @Test("valid durations", arguments: [
        ("500ms", Duration.milliseconds(500)), ("60s", .seconds(60)), ("10m", .seconds(600)), ("2h", .seconds(7200)),
        ("7d", .seconds(604_800)), ("90", .seconds(90)), ("0", .zero), ("0s", .zero), ("1500ms", .milliseconds(1500)),
        ("250us", .microseconds(250)), ("10ns", .nanoseconds(10)),
    ])
    func validDuration(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test("invalid durations", arguments: [
        "", "s", "1.5s", "-5s", "5 s", "5S", "5sec", "1h30m", "10w", " 5s", "99999999999999999999s", "999999999999999d",
    ])
    func invalidDuration(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("durations format in the largest exact unit and parse back", arguments: [
        (Duration.seconds(300), "5m"), (.milliseconds(1500), "1500ms"), (.zero, "0s"), (.seconds(604_800), "7d"),
        (.seconds(7200), "2h"), (.seconds(61), "61s"), (.microseconds(1), "1us"), (.nanoseconds(1_000_001), "1000001ns"),
        (.seconds(-5), "-5s"),
    ])
    func formatDuration(duration: Duration, expected: String) {
        #expect(DurationText.format(duration) == expected)
        if duration >= .zero { #expect(DurationText.parse(expected) == duration) }
    }

    @Test("valid sizes", arguments: [
        ("1048576", 1_048_576), ("512KiB", 524_288), ("64MiB", 67_108_864), ("1GiB", 1_073_741_824),
        ("1TiB", 1 << 40), ("10KB", 10_000), ("5MB", 5_000_000), ("2GB", 2_000_000_000), ("0", 0), ("100B", 100),
    ])
    func validSize(text: String, expected: Int) {
        #expect(ByteSizeText.parse(text) == expected)
    }

    @Test("invalid sizes", arguments: [
        "", "lots", "1.5MiB", "-1", "64 MiB", "64mib", "64M", "64Mi", "KiB", "9999999999TiB",
    ])
    func invalidSize(text: String) {
        #expect(ByteSizeText.parse(text) == nil)
    }

    @Test("sizes format in the largest exact unit, binary first", arguments: [
        (67_108_864, "64MiB"), (1024, "1KiB"), (1_000_000, "1MB"), (1500, "1500B"), (0, "0B"), (1 << 30, "1GiB"),
    ])
    func formatSize(bytes: Int, expected: String) {
        #expect(ByteSizeText.format(bytes) == expected)
        #expect(ByteSizeText.parse(expected) == bytes)
    }

    @Test("a bad size or duration in the file is reported at the value")
    func badValuesInFile() {
        let yaml = """
            state:
              retention: a week
            \(ConfigFixture.sources)
            outputs:
              - name: x
                format: ndjson
                transport:
                  type: file
                  path: ./x.ndjson
                  rotate:
                    max_bytes: lots
                    max_age: 0s
            """
        let problems = ConfigFixture.problems(yaml)
        #expect(problems.map(\.description) == [
            "pipeline.yaml:2:14: state.retention: expected a duration like 60s, 10m or 500ms, got \"a week\"",
            "pipeline.yaml:13:20: outputs[0].transport.rotate.max_bytes: expected a size like 64MiB, got \"lots\"",
            "pipeline.yaml:14:18: outputs[0].transport.rotate.max_age: must be at least 1ms, got 0s",
        ])
    }
}
