/// The forwarder's release version, reported in User-Agent, CEF headers and `--version`.
package enum ForwarderVersion {
    package static let current = "0.1.0"
}
