/// One problem found in a config or suite file, tied to the place it is about.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:column: message`, the form compilers use, so editors and CI logs link to it.
    public var description: String { "\(location): \(message)" }
}

/// Everything wrong with the config and suites, found in one pass before anything runs.
///
/// Thrown by the loaders; the command line prints every diagnostic and exits with status 2.
public struct ValidationError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public init(_ location: SourceLocation, _ message: String) {
        self.diagnostics = [Diagnostic(location, message)]
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Collects diagnostics while a loader keeps going, so the user sees all errors at once.
public struct DiagnosticLog: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public var isEmpty: Bool { diagnostics.isEmpty }

    public mutating func error(_ location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(location, message))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    /// Throws the collected diagnostics, if there are any, in file order (file, line, column).
    public func throwIfAny() throws(ValidationError) {
        if !diagnostics.isEmpty { throw ValidationError(sorted) }
    }

    /// The diagnostics ordered by file, line and column; those at one place keep their order.
    public var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            let (a, b) = (lhs.element.location, rhs.element.location)
            if a.file != b.file { return a.file < b.file }
            if a.line != b.line { return a.line < b.line }
            if a.column != b.column { return a.column < b.column }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}
