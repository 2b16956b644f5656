import EvalGate
import Foundation
import TestSupport
import Testing

/// The repository's own example (evalgate.yaml, suites/, examples/recordings, the committed
/// baseline), copied to a temporary folder so the test writes nothing into the source tree.
@Suite struct ExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func copyOfExample() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for item in ["evalgate.yaml", "prompts", "tools", "suites", "examples", "baselines"] {
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent(item), to: folder.url.appendingPathComponent(item))
        }
        return folder
    }

    @Test func theExamplePassesAgainstItsCommittedBaseline() async throws {
        let folder = try copyOfExample()
        let output = try await ProcessRunner.evalgate(["gate"], in: folder.url)
        #expect(output.status == 0, "\(output.stdout + output.stderr)")
        #expect(output.stdout.contains("baseline 'main' = run "))
        #expect(output.stdout.contains("usefulness   100% (13/13 cases pass)"))
    }

    @Test func casesThatUseNoToolsKeepTheFingerprintsAnOlderEvalgateStored() async throws {
        // The schema-1 fixture was promoted before cases could expect tools. Cases that still use
        // none must hash as they did then, or every existing baseline would stop comparing.
        let fixture = Self.repository.appendingPathComponent("Tests/Fixtures/baseline-schema-v1.sqlite").path
        let stored = try await ProcessRunner.tool("sqlite3", [fixture, "SELECT case_fingerprint FROM results WHERE suite = 'refunds' AND case_id = 'return-window';"])
        let folder = try copyOfExample()
        let project = try await Project.load(Project.Options(workingDirectory: folder.url))
        let current = try #require(try project.plan.cases.first { $0.qualifiedID == "refunds/return-window" })
        #expect(current.expectedTools.isEmpty)
        #expect(stored.stdout.trimmingCharacters(in: .newlines) == current.fingerprint)
    }

    @Test func theRegressedRecordingBreaksTwoGoldenCasesAndOneAdversarialCase() async throws {
        let folder = try copyOfExample()
        let output = try await ProcessRunner.evalgate(["gate", "--replay", "examples/recordings/regressed.jsonl"], in: folder.url)
        #expect(output.status == 1)
        let regressed = output.stdout.split(separator: "\n").filter { $0.hasPrefix("  FAIL ") }.map { $0.split(separator: " ")[1] }
        #expect(regressed == ["injection/fake-staff-escalation", "refunds/return-window", "shipping/express-price"])
    }
}
