import Foundation

/// SplitMix64: a tiny, fast, seedable generator. Everything the simulator invents is drawn
/// from one of these, so the same seed always yields the same sids, types, actors and data.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    /// A generator for one numbered item of one stream (e.g. history event #i).
    init(seed: UInt64, stream: UInt64, index: UInt64) {
        self.state = mix64(seed ^ mix64(stream &+ 0x9E37_79B9_7F4A_7C15) ^ (index &* 0xD1B5_4A32_D192_ED03))
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix64(state)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in 0..<bound (bound > 0), without modulo bias worth caring about here.
    mutating func nextInt(below bound: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bound) &* (next() >> 32)) >> 32)
    }

    /// True with the given probability.
    mutating func chance(_ probability: Double) -> Bool {
        nextUnit() < probability
    }

    /// Exponentially distributed with the given mean.
    mutating func nextExponential(mean: Double) -> Double {
        -mean * log1p(-nextUnit())
    }
}

/// The SplitMix64 finaliser: a good 64-bit mixing function.
@inline(__always)
func mix64(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Stream identifiers, so independent uses of the seed never correlate.
enum RandomStream {
    static let history: UInt64 = 1
    static let historyTimes: UInt64 = 2
    static let catalog: UInt64 = 3
    static let live: UInt64 = 4
    static let faults: UInt64 = 5
    static let cloudEvents: UInt64 = 6
    static let webhookTiming: UInt64 = 7
    static let retryJitter: UInt64 = 8
    static let latency: UInt64 = 9
    static let eventsAPI: UInt64 = 10
}
