import Foundation
import TestSupport
import Testing

/// Every broken project in `Tests/Fixtures/invalid/`: each is `_base` with some files replaced
/// (and those named in `remove` deleted, and any named in `generate` made at test time), and its
/// `expect` file holds the start of the first error `evalgate validate` must print. Each must exit
/// 2 with that message at a file:line:column, within a minute and 2 GiB of address space, without
/// crashing.
@Suite struct InvalidInputCorpusTests {
    static let corpus = ExampleTests.repository.appendingPathComponent("Tests/Fixtures/invalid")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).filter { !$0.hasPrefix("_") && !$0.hasPrefix(".") }.sorted()
    }

    @Test func theCorpusHasAtLeastFortyCases() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func exitsTwoWithItsFileAndLine(_ name: String) async throws {
        let folder = try TemporaryDirectory(name)
        let manager = FileManager.default
        let source = Self.corpus.appendingPathComponent(name)
        for layer in [Self.corpus.appendingPathComponent("_base"), source] {
            let enumerator = manager.enumerator(at: layer, includingPropertiesForKeys: [.isRegularFileKey])
            while let url = enumerator?.nextObject() as? URL {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                let relative = String(url.path.dropFirst(layer.path.count + 1))
                if ["expect", "remove", "generate"].contains(relative) { continue }
                let target = folder.url.appendingPathComponent(relative)
                try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                _ = try? manager.removeItem(at: target)
                try manager.copyItem(at: url, to: target)
            }
        }
        if let removals = try? String(contentsOf: source.appendingPathComponent("remove"), encoding: .utf8) {
            for path in removals.split(separator: "\n") { try? manager.removeItem(at: folder.url.appendingPathComponent(String(path))) }
        }
        if let generate = try? String(contentsOf: source.appendingPathComponent("generate"), encoding: .utf8) {
            // `PATH MEGABYTES`: one JSONL line that never closes its string, that many MiB long.
            let parts = generate.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let url = folder.url.appendingPathComponent(parts[0])
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = manager.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            try handle.write(contentsOf: Data(#"{"id": "huge", "prompt": ""#.utf8))
            let chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
            for _ in 0..<(Int(parts[1]) ?? 1) { try handle.write(contentsOf: chunk) }
            try handle.close()
        }
        let expected = try String(contentsOf: source.appendingPathComponent("expect"), encoding: .utf8).trimmingCharacters(in: .newlines)
        // A minute and 2 GiB of address space at most, enforced by the shell, not measured.
        let command = "ulimit -v 2097152; exec timeout 60 '\(ProcessRunner.evalgate.path)' validate"
        let output = try await ProcessRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], in: folder.url)
        #expect(output.status == 2, "\(name): exit \(output.status) (124 is the time limit, 134 or 139 a crash)\n\(output.stderr.prefix(2000))")
        let first = output.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix(expected), "\(name): expected\n  \(expected)\nfound\n  \(first)")
        #expect(first.range(of: #"^[^:]+:\d+:\d+: error: "#, options: .regularExpression) != nil, "\(name): the first error names file, line and column")
    }
}
