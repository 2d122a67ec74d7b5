/// One thing wrong with a pipeline file, located by file, line, column (1-based) and key path.
///
/// `line` and `column` are 0 when the problem has no position (the file could not be read).
package struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// The pipeline file as it was named to the loader.
    package var file: String
    /// 1-based line, or 0 when the problem concerns the whole file.
    package var line: Int
    /// 1-based column counted in Unicode scalars, or 0 when the problem concerns the whole file.
    package var column: Int
    /// Key path such as `outputs[0].transport.rotate.max_bytes`; empty for the document itself.
    package var key: String
    /// What is wrong, in one sentence without the location.
    package var message: String

    package init(file: String, line: Int, column: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `pipeline.yaml:12:7: outputs[0].transport.rotate.max_bytes: expected a size like 64MiB, got "lots"`.
    package var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        text += ": "
        if !key.isEmpty { text += key + ": " }
        return text + message
    }
}

/// Every problem found in a pipeline file; thrown by `PipelineConfigLoader` when there is at least one.
package struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The problems in file order (line, then column).
    package var problems: [ConfigProblem]

    package init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    /// One problem per line.
    package var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
