import Foundation
import Hummingbird

/// The ground-truth routes under `/simulator/`: no authentication and never faulted.
struct SimulatorRoutes: Sendable {
    var state: MonitorState
    var ledger: DeliveryLedger
    var base: BaseURLBox
    var stats: @Sendable () -> SimulatorStats

    static let chunkSize = 2000

    func register(on router: Router<SimulatorRequestContext>) {
        router.get("/simulator/events") { _, _ in self.events() }
        router.get("/simulator/deliveries") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.ledger.ndjson()))
            )
        }
        router.get("/simulator/stats") { _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(self.stats())
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Every event visible now, newest first, streamed in chunks (a million events never sit
    /// in memory as one body).
    private func events() -> Response {
        let nowMs = state.clock.nowMs()
        let state = self.state
        let json = base.current(catalog: state.catalog).json
        let body = ResponseBody { writer in
            var before: EventKey?
            while true {
                let chunk = state.visibleChunk(before: before, limit: SimulatorRoutes.chunkSize, nowMs: nowMs)
                guard let last = chunk.last else { break }
                try await writer.write(ByteBuffer(bytes: json.lines(chunk, capacityHint: chunk.count)))
                before = last.key
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }
}
