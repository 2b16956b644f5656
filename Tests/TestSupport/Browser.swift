import Foundation

/// Headless Chromium from Debian's packages (`chromium-headless-shell` or `chromium`; .ci/run
/// installs the first), for checking the HTML report in a real browser.
public enum Browser {
    /// The browser's path, or nil when neither is installed.
    public static var executable: URL? {
        for name in ["chromium-headless-shell", "chromium", "chromium-browser"] {
            for folder in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
                let path = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
            }
        }
        return nil
    }

    static let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=5000"]

    /// The page's DOM after its scripts ran: `file` opened with `fragment` after the `#`.
    public static func dumpDOM(_ file: URL, fragment: String = "") async throws -> String {
        guard let executable else { throw BrowserMissing() }
        let target = file.absoluteString + (fragment.isEmpty ? "" : "#" + fragment)
        let output = try await ProcessRunner.run(executable, flags + ["--dump-dom", target])
        guard output.status == 0 else { throw BrowserFailed(stderr: output.stderr) }
        return output.stdout
    }

    /// Saves a PNG of the page as a browser window of `width` × `height` shows it.
    public static func screenshot(_ file: URL, fragment: String = "", to png: URL, width: Int = 1280, height: Int = 1600) async throws {
        guard let executable else { throw BrowserMissing() }
        let target = file.absoluteString + (fragment.isEmpty ? "" : "#" + fragment)
        let output = try await ProcessRunner.run(executable, flags + ["--window-size=\(width),\(height)", "--screenshot=\(png.path)", target])
        guard output.status == 0 else { throw BrowserFailed(stderr: output.stderr) }
    }

    public struct BrowserMissing: Error, CustomStringConvertible {
        public var description: String { "no headless Chromium: install chromium-headless-shell (apt-get install -y chromium-headless-shell; .ci/run does)" }
    }

    public struct BrowserFailed: Error, CustomStringConvertible {
        public var stderr: String
        public var description: String { "Chromium failed: \(stderr.suffix(2000))" }
    }
}
