import EvalGateCore
import Foundation

/// A run as stored: what was run, against which config, and how it ended.
public struct RunRecord: Sendable, Hashable {
    /// Sortable and readable: `20261121-220755-3f9a1c`.
    public var id: String
    public var startedAt: Date
    public var endedAt: Date?
    public var status: RunStatus
    public var configFingerprint: String
    /// The resolved config as canonical JSON (no secrets).
    public var configJSON: String
    public var provider: String
    public var model: String
    /// The commit checked out when the run started, if the folder is a git checkout.
    public var gitCommit: String?
    public var evalgateVersion: String
    /// Case × sample results planned.
    public var planned: Int
    /// The filters the run was started with, as JSON; nil when it ran everything.
    public var filterJSON: String?
    /// The process that ran it (this machine's process id).
    public var pid: Int?

    /// `running` in the store, but the process that ran it is gone (killed, crashed): interrupted.
    public var isAbandoned: Bool {
        guard status == .running, let pid else { return false }
        return kill(pid_t(pid), 0) != 0 && errno == ESRCH
    }

    public init(
        id: String, startedAt: Date, endedAt: Date? = nil, status: RunStatus, configFingerprint: String,
        configJSON: String, provider: String, model: String, gitCommit: String?, evalgateVersion: String,
        planned: Int, filterJSON: String?, pid: Int? = nil
    ) {
        self.id = id
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.configFingerprint = configFingerprint
        self.configJSON = configJSON
        self.provider = provider
        self.model = model
        self.gitCommit = gitCommit
        self.evalgateVersion = evalgateVersion
        self.planned = planned
        self.filterJSON = filterJSON
        self.pid = pid
    }

    /// A new run id from the start time and 24 random bits.
    public static func makeID(at date: Date = Date()) -> String {
        let stamp = Timestamp.compact(date)
        let random = String(UInt32.random(in: 0..<(1 << 24)), radix: 16)
        return stamp + "-" + String(repeating: "0", count: 6 - random.count) + random
    }
}

/// A named baseline in a baseline file.
public struct BaselineEntry: Sendable, Hashable {
    public var name: String
    public var run: RunRecord
    public var promotedAt: Date
    /// Distinct cases in the run.
    public var cases: Int
}

