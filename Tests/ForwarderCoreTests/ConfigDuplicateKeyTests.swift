import Foundation
import Testing
@testable import ForwarderCore

@Suite("Keys given twice")
struct ConfigDuplicateKeyTests {
    @Test("a repeated top-level key is reported at the repeat, and other problems are still found")
    func topLevelRepeat() {
        let yaml = """
            \(ConfigFixture.sources)
            state: { retention: 1d }
            \(ConfigFixture.outputs)
            state: { dir: ./other }
            log: { level: loud }
            """
        let problems = ConfigFixture.problems(yaml)
        #expect(problems.map(\.description) == [
            "pipeline.yaml:9:1: state: key \"state\" is given more than once in this mapping (first at line 4, column 1)",
            "pipeline.yaml:10:15: log.level: expected one of trace, debug, info, notice, warning, error or critical, got \"loud\"",
        ])
    }

    @Test("repeats are found in sequence entries, flow mappings, with quotes, and three times over")
    func nestedRepeats() {
        let yaml = """
            \(ConfigFixture.sources)
            outputs:
              - name: a
                format: ndjson
                format: cef
                transport: { type: udp, host: siem, port: 514, port: 515 }
              - name: b
                "name": c
                name: d
                format: ndjson
                transport: { type: file, path: ./b.log }
            """
        let problems = ConfigFixture.problems(yaml)
        #expect(problems.map(\.description) == [
            "pipeline.yaml:7:5: outputs[0].format: key \"format\" is given more than once in this mapping (first at line 6, column 5)",
            "pipeline.yaml:8:52: outputs[0].transport.port: key \"port\" is given more than once in this mapping (first at line 8, column 41)",
            "pipeline.yaml:10:5: outputs[1].name: key \"name\" is given more than once in this mapping (first at line 9, column 5)",
            "pipeline.yaml:11:5: outputs[1].name: key \"name\" is given more than once in this mapping (first at line 9, column 5)",
        ])
    }

    @Test("the same key in two different mappings is fine")
    func sameKeyInSiblings() throws {
        let yaml = """
            \(ConfigFixture.sources)
            outputs:
              - name: a
                format: ndjson
                transport: { type: file, path: ./a.log }
              - name: b
                format: ndjson
                transport: { type: file, path: ./b.log }
            """
        #expect(try ConfigFixture.parse(yaml).outputs.map(\.name) == ["a", "b"])
    }

    @Test("a repeat under a key that is itself unknown is still reported")
    func repeatInUnwalkedPart() {
        let yaml = """
            \(ConfigFixture.sources)
            \(ConfigFixture.outputs)
            extra:
              x: 1
              x: 2
            """
        let problems = ConfigFixture.problems(yaml)
        #expect(problems.map(\.located) == ["8:1 extra", "10:3 "])
        #expect(problems.last?.message == "key \"x\" is given more than once in this mapping (first at line 9, column 3)")
    }

    @Test("repeats are found whatever the line ends and however the key is written, and text inside a value is never taken for a key")
    func repeatsFoundByTheParser() {
        let base = ConfigFixture.sources + "\n" + ConfigFixture.outputs + "\n"
        let crlf = ConfigFixture.problems((base + "merge: {}\nmerge: {}\n").replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(crlf.map(\.description) == [
            "pipeline.yaml:9:1: merge: key \"merge\" is given more than once in this mapping (first at line 8, column 1)",
        ])
        let explicit = ConfigFixture.problems(base + "merge:\n  max_hold: 1s\n  ? max_hold\n  : 2s\n")
        #expect(explicit.map(\.description) == [
            "pipeline.yaml:10:5: merge.max_hold: key \"max_hold\" is given more than once in this mapping (first at line 9, column 3)",
        ])
        let inValue = ConfigFixture.problems(base + "merge: { max_hold: \"x, max_hold: 1s\", max_hold: 2s }\n")
        #expect(inValue.map(\.description) == [
            "pipeline.yaml:8:20: merge.max_hold: expected a duration like 60s, 10m or 500ms, got \"x, max_hold: 1s\"",
            "pipeline.yaml:8:39: merge.max_hold: key \"max_hold\" is given more than once in this mapping (first at line 8, column 10)",
        ])
        let differentKeys = ConfigFixture.problems(base + "merge: { 1: a, '1': b }\n")
        #expect(differentKeys.map(\.message) == [
            "unknown key \"1\"; expected one of: max_hold, max_delay", "unknown key \"1\"; expected one of: max_hold, max_delay",
        ], "1 and '1' are different keys, as Yams reads them")
    }
}
