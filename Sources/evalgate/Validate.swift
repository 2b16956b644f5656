import ArgumentParser
import EvalGate

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the config and every suite without running anything.",
        discussion: """
            Reports every problem at once as file:line:column, and exits 2 if there is any. On success prints the config fingerprint: the SHA-256 of everything that changes the model's behaviour.

            Example:
              evalgate validate --config evalgate.yaml
            """)

    @OptionGroup var project: ProjectOptions

    func run() async throws {
        let loaded = try await project.load()
        let config = loaded.config
        let goldens = loaded.suites.filter { $0.kind == .golden }
        let adversarials = loaded.suites.filter { $0.kind == .adversarial }
        Terminal.output("""
            \(config.path): valid
              config fingerprint \(config.fingerprint)
              provider \(config.provider.type.rawValue), model \(config.provider.model)
              \(goldens.count) golden suite(s), \(goldens.reduce(0) { $0 + $1.caseCount }) cases; \(adversarials.count) adversarial suite(s), \(adversarials.reduce(0) { $0 + $1.caseCount }) cases
              plan: \(loaded.plan.caseCount) cases, \(loaded.plan.count) requests (run.repeat \(loaded.plan.samples); a case's own repeat wins)
            """)
    }
}
