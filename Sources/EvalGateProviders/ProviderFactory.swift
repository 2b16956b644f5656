import EvalGateCore
import Foundation

/// Builds the provider a config pins.
public enum ProviderFactory {
    /// The provider for `config`.
    ///
    /// - Throws: `ValidationError` when the provider's own input is invalid (a malformed recording).
    public static func make(_ config: EvalConfig, workingDirectory: URL) throws(ValidationError) -> any Provider {
        switch config.provider.type {
        case .replay:
            guard let recording = config.provider.recording else {
                throw ValidationError(config.provider.location, "the replay provider needs 'file'")
            }
            return try ReplayProvider(recording: recording.url, displayPath: DisplayPath.relative(recording.url, to: workingDirectory))
        case .exec:
            guard let command = config.provider.command, !command.isEmpty else {
                throw ValidationError(config.provider.location, "the exec provider needs 'command'")
            }
            return ExecProvider(command: command, directory: config.directory.path)
        }
    }
}
