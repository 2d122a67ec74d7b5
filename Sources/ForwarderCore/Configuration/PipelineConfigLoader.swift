import Foundation

/// Reads a pipeline file into a validated `PipelineConfig`, or throws every problem in it at once.
///
/// `siem-forwarder validate` and `run` both go through here, so what `validate` accepts, `run` can start.
package enum PipelineConfigLoader {
    /// Reads and validates a pipeline file; env is used for ${VAR} interpolation.
    package static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigError) -> PipelineConfig {
        let text: String
        do {
            text = try ConfigFileText.read(path)
        } catch {
            throw ConfigError(problems: [ConfigProblem(
                file: path, line: 0, column: 0, key: "",
                message: "cannot read the pipeline file \(ConfigReader.quoted(path)): \(ConfigFileText.reason(error))")])
        }
        return try parse(yaml: text, file: path, environment: environment)
    }

    /// Same from text (file is only used in messages); readFile resolves *_file secrets (default reads from disk).
    package static func parse(yaml: String, file: String, environment: [String: String],
                             readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) })
        throws(ConfigError) -> PipelineConfig {
        let document = ConfigDocument.compose(yaml)
        let (config, problems) = withoutActuallyEscaping(readFile) { readFile in
            let reader = ConfigReader(file: file, environment: environment, repeatedKeys: document.repeatedKeys,
                                      readFile: readFile)
            var config: PipelineConfig?
            if let syntaxError = document.syntaxError {
                reader.report(syntaxError.message, at: syntaxError.position, key: "")
            } else if let root = document.root {
                config = PipelineConfig.read(root, file: file, reader: reader)
            } else {
                reader.report("the file is empty; a pipeline needs at least sources and outputs",
                              at: ConfigPosition(line: 1, column: 1), key: "")
            }
            reader.finish()
            return (config, reader.problems)
        }
        if let config, problems.isEmpty { return config }
        throw ConfigError(problems: inFileOrder(problems.isEmpty ? [unexplained(file)] : problems))
    }

    /// Sorted by line, then column; problems at the same place keep the order they were found in.
    private static func inFileOrder(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        problems.enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
    }

    private static func unexplained(_ file: String) -> ConfigProblem {
        ConfigProblem(file: file, line: 0, column: 0, key: "", message: "the pipeline could not be read for an unknown reason")
    }
}
