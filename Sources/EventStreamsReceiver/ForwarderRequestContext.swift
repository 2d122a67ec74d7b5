import Hummingbird
import NIOCore

/// Request context of the forwarder's single HTTP listener: Hummingbird's core context plus the
/// client's address, which `allow_cidrs` is checked against.
package struct ForwarderRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The connected peer; nil when the channel has none (Unix-domain sockets, tests' embedded channels).
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
