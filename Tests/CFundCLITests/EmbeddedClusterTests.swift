import Foundation
import FundStore
import FundTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded default: created, started and migrated on first use, shared by racing commands.
@Suite("Embedded cluster")
struct EmbeddedClusterTests {
    static func environment(home: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["CFUND_DATABASE_URL"] = nil
        environment["CFUND_HOME"] = home.path
        return environment
    }

    @Test func racingCommandsShareOneHealthyCluster() async throws {
        let home = URL(fileURLWithPath: "/tmp/cfund-embedded-\(UUID().uuidString.prefix(8))")
        let environment = Self.environment(home: home)
        defer {
            _ = try? ProcessRunner.run(CLIRunner.executable, ["db", "stop"], environment: environment)
            try? FileManager.default.removeItem(at: home)
        }
        let results = await withTaskGroup(of: ProcessRunner.Output?.self) { group in
            for arguments in [["db", "start"], ["envelope", "list"], ["db", "start"]] {
                group.addTask {
                    try? ProcessRunner.run(
                        CLIRunner.executable, arguments, environment: environment, separateErrors: true)
                }
            }
            return await group.reduce(into: [ProcessRunner.Output?]()) { $0.append($1) }
        }
        for result in results {
            #expect(result?.status == 0, "\(result?.errorText ?? "did not run")")
        }
        let status = try ProcessRunner.run(CLIRunner.executable, ["db", "status"], environment: environment)
        #expect(status.text.contains("Status:   running"))
        let schema = status.text.split(separator: "\n").first { $0.hasPrefix("Schema:") }?.split(separator: " ")
        #expect(schema?.count == 6 && schema?[1] == schema?[3], "every migration applied: \(status.text)")
        let url = try ProcessRunner.run(CLIRunner.executable, ["db", "url"], environment: environment)
        #expect(url.text.hasPrefix("postgresql://cfund@/cfund?host="))
        let stop = try ProcessRunner.run(CLIRunner.executable, ["db", "stop"], environment: environment)
        #expect(stop.text.contains("Stopped PostgreSQL"))
        let stopped = try ProcessRunner.run(CLIRunner.executable, ["db", "status"], environment: environment)
        #expect(stopped.text.contains("Status:   stopped"))
    }

    /// As root, a home under a folder the `postgres` user cannot enter moves the cluster to
    /// /var/tmp, and `cfund db status` says where.
    @Test(.enabled(if: getuid() == 0)) func anUnreachableHomeFallsBackAndSaysWhere() throws {
        let locked = URL(fileURLWithPath: "/tmp/cfund-locked-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(
            at: locked, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let environment = Self.environment(home: locked.appendingPathComponent("home"))
        defer {
            _ = try? ProcessRunner.run(CLIRunner.executable, ["db", "stop"], environment: environment)
            if let fallback = try? String(
                contentsOf: locked.appendingPathComponent("home/cluster-location"), encoding: .utf8)
            {
                try? FileManager.default.removeItem(atPath: fallback.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            try? FileManager.default.removeItem(at: locked)
        }
        let start = try ProcessRunner.run(
            CLIRunner.executable, ["db", "start"], environment: environment, separateErrors: true)
        #expect(start.status == 0, "\(start.errorText)")
        #expect(start.text.contains("PostgreSQL is running in /var/tmp/cfund-"))
        let status = try ProcessRunner.run(CLIRunner.executable, ["db", "status"], environment: environment)
        #expect(status.text.contains("the postgres user cannot reach \(locked.path)/home"))
        #expect(status.text.contains("Status:   running"))

        // The fallback's name can be guessed: a folder there that another user owns is refused.
        _ = try ProcessRunner.run(CLIRunner.executable, ["db", "stop"], environment: environment)
        let fallback = try String(contentsOf: locked.appendingPathComponent("home/cluster-location"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ProcessRunner.run("/bin/chown", ["-R", "nobody", fallback]).status == 0)
        let hijacked = try ProcessRunner.run(
            CLIRunner.executable, ["db", "start"], environment: environment, separateErrors: true)
        #expect(hijacked.status == 1)
        #expect(hijacked.errorText.contains("exists but is not a folder of this user"))
    }
}
