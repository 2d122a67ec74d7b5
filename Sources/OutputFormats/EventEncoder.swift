import ForwarderCore
import NIOCore

/// Turns one event into the bytes of one record, without framing. Encoders are pure functions
/// of the event: no I/O, no clock, no state.
package protocol EventEncoder: Sendable {
    func encode(_ event: ForwardedEvent, into buffer: inout ByteBuffer)
}
