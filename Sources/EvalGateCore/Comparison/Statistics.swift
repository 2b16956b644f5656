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

    /// One-sided Fisher exact test that the second group's pass rate is lower than the first's:
    /// the probability, with the margins fixed, of `passesB` or fewer passes among group B's
    /// `trialsB` when the two groups share one rate. Small values mean a real drop.
    public static func fisherLower(passesA: Int, trialsA: Int, passesB: Int, trialsB: Int) -> Double {
        let total = trialsA + trialsB
        let passes = passesA + passesB
        guard trialsA > 0, trialsB > 0 else { return 1 }
        let lowest = max(0, passes - trialsA)
        var p = 0.0
        for x in lowest...min(passesB, passes) {
            p += exp(logChoose(passes, x) + logChoose(total - passes, trialsB - x) - logChoose(total, trialsB))
        }
        return min(1, p)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return -.infinity }
        return lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }
}
