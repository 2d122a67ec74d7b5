/// The forwarder's release version, reported in User-Agent, CEF headers and `--version`.
public enum ForwarderVersion {
    public static let current = "0.1.0"
}
