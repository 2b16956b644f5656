/// Something that stopped a command from doing its work, with the exit code it maps to.
public enum EvalGateError: Error, Sendable, CustomStringConvertible {
    /// The config, a suite, a recording or the command line is wrong: exit 2.
    case invalidInput(ValidationError)
    /// A database or a report could not be read or written: exit 3.
    case storage(String)
    /// A command was asked for something that does not exist (a run id, a baseline): exit 2.
    case notFound(String)

    public var description: String {
        switch self {
        case .invalidInput(let error): error.description
        case .storage(let message): message
        case .notFound(let message): message
        }
    }

    /// 2 for input the user can fix, 3 when the work could not be completed.
    public var exitCode: Int32 {
        switch self {
        case .invalidInput, .notFound: 2
        case .storage: 3
        }
    }
}
