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

    /// A 95% percentile-bootstrap interval for the change in a mean pass rate between two runs.
    ///
    /// Each pair is one case: (passes, trials) then and now. Every round redraws each case's passes
    /// on both sides from a binomial at its observed rate, and takes the change in the mean rate;
    /// the interval is the 2.5th and 97.5th percentiles of `rounds` changes. The generator is
    /// seeded, so the same runs always give the same interval.
    ///
    /// Cases with the same pair are drawn together: the passes of k cases of n trials at rate p
    /// are one binomial of k × n trials, so a round costs a draw per distinct pair, not per case
    /// (drawing per case and per trial was a third of a gate over 20,000 sampled cases, and grew
    /// with them).
    public static func bootstrapDelta<Pairs: Sequence<(then: (Int, Int), now: (Int, Int))>>(
        _ pairs: Pairs, rounds: Int = 2000, seed: UInt64 = 0x5EED
    ) -> ClosedRange<Double>? {
        var counted = PassPairs()
        for pair in pairs { counted.append(pair) }
        return bootstrapDelta(counted, rounds: rounds, seed: seed)
    }

    /// The same, over pairs already counted.
    public static func bootstrapDelta(_ pairs: PassPairs, rounds: Int = 2000, seed: UInt64 = 0x5EED) -> ClosedRange<Double>? {
        let groups = pairs.groups.filter { $0.pair.then.1 > 0 && $0.pair.now.1 > 0 }
        let cases = groups.reduce(0) { $0 + $1.cases }
        guard cases > 0 else { return nil }
        var generator = SplitMix64(seed: seed)
        var deltas: [Double] = []
        deltas.reserveCapacity(rounds)
        for _ in 0..<rounds {
            var sumThen = 0.0, sumNow = 0.0
            for (pair, count) in groups {
                let (passesThen, trialsThen) = pair.then, (passesNow, trialsNow) = pair.now
                sumThen += Double(binomial(count * trialsThen, Double(passesThen) / Double(trialsThen), &generator)) / Double(trialsThen)
                sumNow += Double(binomial(count * trialsNow, Double(passesNow) / Double(trialsNow), &generator)) / Double(trialsNow)
            }
            deltas.append((sumNow - sumThen) / Double(cases))
        }
        deltas.sort()
        let low = deltas[Int(Double(rounds - 1) * 0.025)]
        let high = deltas[Int(Double(rounds - 1) * 0.975)]
        return low...high
    }

    /// A draw from Binomial(trials, p): exact while the variance is small (a trial at a time for
    /// up to 64 trials, else by the geometric gaps between the rarer outcome, at most about a
    /// hundred steps), and from the normal with the same mean and variance, rounded and clamped,
    /// once the variance passes 50, where the two differ by less than the interval's own noise.
    static func binomial(_ trials: Int, _ p: Double, _ generator: inout SplitMix64) -> Int {
        if p <= 0 { return 0 }
        if p >= 1 { return trials }
        let variance = Double(trials) * p * (1 - p)
        if variance > 50 {
            // Box–Muller: one standard normal from two uniforms.
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator), u2 = Double.random(in: 0..<1, using: &generator)
            let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            let draw = (Double(trials) * p + z * variance.squareRoot()).rounded()
            return Int(min(max(draw, 0), Double(trials)))
        }
        if trials <= 64 {
            var count = 0
            for _ in 0..<trials where Double.random(in: 0..<1, using: &generator) < p { count += 1 }
            return count
        }
        // Count the rarer outcome by the gaps between its occurrences (each gap geometric).
        let rare = min(p, 1 - p)
        let logMiss = log1p(-rare)
        var count = 0, position = 0
        while true {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            position += Int(log(u) / logMiss) + 1
            if position > trials { break }
            count += 1
        }
        return p <= 0.5 ? count : trials - count
    }
}

/// A small, seedable generator (SplitMix64) so bootstrap intervals are reproducible.
/// A small seeded generator: the same seed gives the same sequence on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
