import ForwarderCore

/// Choices drawn from a `SeededRandom`, for the generated-input tests: the same seed gives the
/// same sequence of choices.
extension SeededRandom {
    /// A number in 0..<bound; `bound` must be positive.
    package mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// True with a probability of `percent` in 100.
    package mutating func percent(_ percent: Int) -> Bool {
        below(100) < percent
    }

    /// One of `choices`, which must not be empty.
    package mutating func pick<T>(_ choices: [T]) -> T {
        choices[below(choices.count)]
    }
}
