import EvalGateCore
import EvalGateProviders
import Foundation
import TestSupport
import Testing

/// An exec provider running a shell script the test writes (the script is the user's program;
/// evalgate itself never goes through a shell).
private func provider(_ script: String, label: String = #function) throws -> (ExecProvider, TemporaryDirectory) {
    let folder = try TemporaryDirectory(label)
    let file = try folder.write("agent.sh", "#!/bin/sh\n" + script)
    chmod(file.path, 0o755)
    return (ExecProvider(command: ["./agent.sh"], directory: folder.path), folder)
}

private func failure(_ provider: ExecProvider, timeout: Double = 5) async -> String? {
    do {
        _ = try await provider.respond(to: request(timeout: timeout))
        return nil
    } catch {
        return error.message
    }
}

@Suite struct ExecProviderTests {
    @Test func sendsTheRequestOnStdinAndReadsTheResponseFromStdout() async throws {
        let (exec, folder) = try provider("""
            cat > request.json
            printf '{"text": "hello", "tool_calls": [{"name": "lookup", "arguments": {"id": 7}}], "usage": {"input_tokens": 3, "output_tokens": 1}}'
            """)
        let response = try await exec.respond(to: request())
        #expect(response.text == "hello")
        #expect(response.toolCalls == [ToolCall(name: "lookup", arguments: ["id": 7])])
        #expect(response.usage.outputTokens == 1)
        let sent = try JSONSource.value(try folder.read("request.json"))
        #expect(sent["suite"] == "s")
        #expect(sent["case"] == "c")
        #expect(sent["request_id"] == "req-1")
        #expect(sent["system"] == "Be brief.")
        #expect(sent["messages"] == [["role": "user", "content": "Hi \"there\"\n"]])
        #expect(sent["sampling"] == ["temperature": 0, "seed": 1])
        #expect(sent["vars"] == ["k": "v"])
    }

    @Test func runsTheArgvWithoutAShell() async throws {
        let folder = try TemporaryDirectory()
        // One argument holding shell syntax: a shell would run `echo pwned`; argv passes it as text.
        let exec = ExecProvider(command: ["/usr/bin/printf", #"{"text": "%s"}"#, "$(echo pwned); true"], directory: folder.path)
        #expect(try await exec.respond(to: request()).text == "$(echo pwned); true")
    }

    @Test func aNonZeroExitIsAnErrorWithTheFirstLinesOfStderr() async throws {
        let (exec, _) = try provider("cat >/dev/null\necho 'Traceback: boom' >&2\necho 'KeyError: x' >&2\nexit 4\n")
        #expect(await failure(exec) == "'./agent.sh' exited with status 4; stderr: Traceback: boom | KeyError: x")
    }

    @Test func outputThatIsNotJSONIsAnErrorThatQuotesIt() async throws {
        let (exec, _) = try provider("cat >/dev/null\necho 'Sure! Here is the answer'\n")
        let message = try #require(await failure(exec))
        #expect(message.hasPrefix("'./agent.sh' printed invalid JSON: unexpected 'S', expected a JSON value at line 1, column 1; output began: 'Sure! Here is the answer"))
    }

    @Test func aHangingCommandIsKilledAtTheTimeoutWithItsChildren() async throws {
        let (exec, folder) = try provider("cat >/dev/null\nsleep 30 &\necho $! > child.pid\nsleep 30\n")
        let message = await failure(exec, timeout: 0.5)
        #expect(message == "'./agent.sh' did not answer within 0.5 s and was killed")
        let pid = try #require(Int32(try folder.read("child.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        // The grandchild was in the killed process group; give the kernel a moment to reap it.
        var alive = true
        for _ in 0..<100 where alive {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            alive = kill(pid, 0) == 0 && !stat.contains(") Z ")
            if alive { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(!alive, "the background child of the command survived")
    }

    @Test func aCommandThatReportsAnErrorGivesAnErrorResult() async throws {
        let (exec, _) = try provider("cat >/dev/null\nprintf '{\"error\": \"upstream model returned 503\"}'\n")
        #expect(await failure(exec) == "'./agent.sh' reported an error: upstream model returned 503")
    }

    @Test func aMissingProgramIsAnErrorNotACrash() async throws {
        let folder = try TemporaryDirectory()
        let exec = ExecProvider(command: ["./no-such-agent"], directory: folder.path)
        #expect(await failure(exec) == "cannot start './no-such-agent': No such file or directory")
    }

    @Test func aCommandThatIgnoresStdinStillAnswers() async throws {
        let (exec, _) = try provider("printf '{\"text\": \"ok\"}'\n")
        var big = request()
        big.request.messages = [ChatMessage(role: "user", content: String(repeating: "x", count: 1_000_000))]
        #expect(try await exec.respond(to: big).text == "ok")
    }

    @Test func cancellationKillsTheCommand() async throws {
        let (exec, folder) = try provider("cat >/dev/null\necho $$ > self.pid\nsleep 30\n")
        let task = Task { try await exec.respond(to: request(timeout: 60)) }
        var pidText = ""
        for _ in 0..<200 where pidText.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            pidText = (try? folder.read("self.pid")) ?? ""
        }
        task.cancel()
        let outcome = await task.result
        guard case .failure(let error as ProviderFailure) = outcome else {
            Issue.record("a cancelled command answered")
            return
        }
        #expect(error.message == "'./agent.sh' was stopped: the run was cancelled")
        let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0, "the command still runs after cancellation")
    }
}
