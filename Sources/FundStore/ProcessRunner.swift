import Foundation
import FundCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to completion and collects what it printed.
///
/// Built on `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose
/// `waitUntilExit` was seen never returning here when called from Swift concurrency. Output goes
/// through a temporary file rather than a pipe: `pg_ctl start` leaves the server it forks holding
/// the inherited descriptors, so reading a pipe to its end would never return.
public enum ProcessRunner {
    public struct Output: Sendable {
        public let status: Int32
        /// Standard output, and standard error too unless they were asked apart.
        public let text: String
        public let errorText: String
    }

    public static func run(
        _ executable: String, _ arguments: [String], as user: String? = nil, environment: [String: String]? = nil,
        separateErrors: Bool = false
    ) throws -> Output {
        let started = try start(
            executable, arguments, as: user, environment: environment, separateErrors: separateErrors)
        defer { started.removeFiles() }
        var status: Int32 = 0
        while waitpid(started.pid, &status, 0) == -1 && errno == EINTR {}
        return started.output(status: status)
    }

    /// A program started and left running; its output goes to files read when it ends.
    public struct Started: Sendable {
        public let pid: pid_t
        let outputPath: String
        let errorPath: String

        /// What it printed, with its exit status as `waitpid` reported it.
        public func output(status: Int32) -> Output {
            let exited = status & 0x7f == 0
            let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            let data = FileManager.default.contents(atPath: outputPath) ?? Data()
            let errors = FileManager.default.contents(atPath: errorPath) ?? Data()
            return Output(
                status: code, text: String(decoding: data, as: UTF8.self),
                errorText: String(decoding: errors, as: UTF8.self))
        }

        /// What it has printed so far.
        public var printed: String {
            String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        }

        public func removeFiles() {
            unlink(outputPath)
            unlink(errorPath)
        }
    }

    /// Starts a program without waiting for it (see `run`, which waits).
    public static func start(
        _ executable: String, _ arguments: [String], as user: String? = nil, environment: [String: String]? = nil,
        separateErrors: Bool = false
    ) throws -> Started {
        let argv = user.map { ["/usr/sbin/runuser", "-u", $0, "--", executable] } ?? [executable]
        let program = argv[0]
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("cfund-\(UUID().uuidString).out").path
        let errorPath = outputPath + ".err"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if separateErrors {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        let cArguments = (argv + arguments).map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let cEnvironment = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { cEnvironment?.forEach { free($0) } }
        let spawned: Int32
        if var cEnvironment {
            spawned = posix_spawn(&pid, program, &actions, nil, cArguments, &cEnvironment)
        } else {
            spawned = posix_spawn(&pid, program, &actions, nil, cArguments, environ)
        }
        guard spawned == 0 else {
            unlink(outputPath)
            throw FundError.cluster("Could not run \(program): \(String(cString: strerror(spawned))).")
        }
        return Started(pid: pid, outputPath: outputPath, errorPath: errorPath)
    }
}
