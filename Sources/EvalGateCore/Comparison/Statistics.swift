import Foundation

/// The statistics the gate relies on, each checked against published values in the tests.
public enum Statistics {
    /// The Wilson score interval for `successes` out of `trials` at confidence `z` (1.96 for 95%):
    /// unlike the normal approximation it stays inside 0…1 and behaves at 0/k and k/k.
    public static func wilson(successes: Int, trials: Int, z: Double = 1.959963984540054) -> ClosedRange<Double>? {
        guard trials > 0, (0...trials).contains(successes) else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / (1 + z2 / n)
        return max(0, centre - half)...min(1, centre + half)
    }
}
