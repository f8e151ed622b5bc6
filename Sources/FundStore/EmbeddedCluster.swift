import Crypto
import Foundation
import FundCore

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL cluster cfund creates and runs for itself when no database URL is given.
///
/// It lives under a home folder (`.cfund/` in the working directory, or `CFUND_HOME`), listens on
/// a Unix socket only (no TCP port to collide with), and outlives the command that started it.
/// When cfund runs as root, `initdb` and `pg_ctl` run as the `postgres` system user, which must be
/// able to reach the folder: when it cannot (a checkout under a root-only folder), the cluster
/// falls back to a folder under `/var/tmp` named after the home, and `cfund db status` says so.
public struct EmbeddedCluster: Sendable {
    /// The superuser `initdb` creates; local socket connections are trusted.
    public static let superuser = "cfund"
    public static let databaseName = "cfund"
    /// The socket file's name carries the port; a private socket folder makes the default safe.
    public static let port = 5432

    public let home: URL
    /// Where the cluster's files really are: `home`, or the fallback when `postgres` cannot reach it.
    public let root: URL
    /// Tests trade durability for speed; the user's cluster never does.
    public let durable: Bool
    let binaries: URL
    let runAsUser: String?

    public var dataDirectory: URL { root.appendingPathComponent("pgdata") }
    public var socketDirectory: URL { root.appendingPathComponent("run") }
    public var logFile: URL { root.appendingPathComponent("postgres.log") }
    public var socketPath: String { socketDirectory.appendingPathComponent(".s.PGSQL.\(Self.port)").path }
    public var usesFallback: Bool { root.standardizedFileURL != home.standardizedFileURL }

    /// The home folder as the environment chooses it: `CFUND_HOME`, or `.cfund` in the working directory.
    public static func defaultHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["CFUND_HOME"], !home.isEmpty {
            return URL(
                fileURLWithPath: home, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            )
            .standardizedFileURL
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".cfund")
    }

    public init(home: URL, durable: Bool = true) throws {
        self.home = home.standardizedFileURL
        self.durable = durable
        self.binaries = try Self.findBinaries()
        self.runAsUser = getuid() == 0 ? "postgres" : nil
        self.root = try Self.chooseRoot(home: self.home, runAsUser: runAsUser)
    }

    /// The URL a client such as psql can use.
    public var url: String {
        "postgresql://\(Self.superuser)@/\(Self.databaseName)?host=\(socketDirectory.path)&port=\(Self.port)"
    }

    public var connection: DatabaseConfiguration {
        DatabaseConfiguration(
            endpoint: .unixSocket(path: socketPath), username: Self.superuser, password: nil,
            database: Self.databaseName)
    }

    public func isRunning() -> Bool {
        guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) else {
            return false
        }
        let status = try? run("pg_ctl", ["status", "-D", dataDirectory.path])
        return status?.status == 0
    }

    public var isInitialised: Bool {
        FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path)
    }

    /// Creates the cluster if needed and starts it if it is not running. Safe to call from several
    /// processes at once: they queue on a lock file, and the second finds the work done.
    public func start() throws {
        try withLock {
            if !isInitialised { try initialise() }
            if isRunning() { return }
            var options = "-k \(socketDirectory.path) -c listen_addresses='' -p \(Self.port)"
            // Test clusters serve dozens of tests at once, each with a small pool of its own.
            if !durable {
                options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=400"
            }
            let result = try run(
                "pg_ctl", ["start", "-w", "-t", "60", "-D", dataDirectory.path, "-l", logFile.path, "-o", options])
            guard result.status == 0 else {
                throw FundError.cluster(
                    "PostgreSQL did not start (\(result.text.trimmingCharacters(in: .whitespacesAndNewlines))); "
                        + "see \(logFile.path).")
            }
        }
    }

    /// How PostgreSQL stops: `fast` rolls back open transactions and closes connections cleanly,
    /// `immediate` aborts like a crash (recovery on the next start).
    public enum StopMode: String, Sendable {
        case fast
        case immediate
    }

    public func stop(_ mode: StopMode = .fast) throws {
        try withLock {
            guard isRunning() else { return }
            let result = try run("pg_ctl", ["stop", "-w", "-m", mode.rawValue, "-D", dataDirectory.path])
            guard result.status == 0 else {
                throw FundError.cluster("PostgreSQL did not stop: \(result.text); see \(logFile.path).")
            }
        }
    }

    /// Stops the cluster and deletes its files; used by throwaway test clusters.
    public func destroy() {
        _ = try? run("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", dataDirectory.path])
        try? FileManager.default.removeItem(at: root)
        if usesFallback { try? FileManager.default.removeItem(at: home) }
    }

    /// A streaming replica of this running cluster, under `home`: `pg_basebackup -R` (what a
    /// deployment does on another machine) and a second PostgreSQL on its own socket, which
    /// replays the primary's commits as they stream and refuses every write.
    public func makeStandby(home: URL) throws -> EmbeddedCluster {
        let standby = try EmbeddedCluster(home: home, durable: durable)
        try FileManager.default.createDirectory(at: standby.socketDirectory, withIntermediateDirectories: true)
        if let runAsUser { try chown(standby.root, to: runAsUser) }
        let result = try run(
            "pg_basebackup",
            [
                "-D", standby.dataDirectory.path, "-R", "-X", "stream", "-c", "fast", "-h", socketDirectory.path,
                "-p", String(Self.port), "-U", Self.superuser,
            ] + (durable ? [] : ["--no-sync"]))
        guard result.status == 0 else {
            throw FundError.cluster(
                "pg_basebackup failed: \(result.text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try standby.start()
        return standby
    }

    private func initialise() throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        if let runAsUser {
            try chown(root, to: runAsUser)
            try chown(socketDirectory, to: runAsUser)
        }
        let result = try run(
            "initdb",
            [
                "-D", dataDirectory.path, "-U", Self.superuser, "--auth=trust", "--encoding=UTF8",
                "--locale=C", "--no-instructions",
            ] + (durable ? [] : ["--no-sync"]))
        guard result.status == 0 else {
            try? fileManager.removeItem(at: dataDirectory)
            throw FundError.cluster("initdb failed: \(result.text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> ProcessRunner.Output {
        try ProcessRunner.run(binaries.appendingPathComponent(tool).path, arguments, as: runAsUser)
    }

    private func chown(_ url: URL, to user: String) throws {
        let result = try ProcessRunner.run("/bin/chown", ["-R", user, url.path])
        guard result.status == 0 else {
            throw FundError.cluster("Could not give \(url.path) to \(user): \(result.text)")
        }
    }

    /// Serialises cluster management between processes with `flock` on a file in the home folder.
    private func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let lockPath = root.appendingPathComponent("cluster.lock").path
        let descriptor = open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { throw FundError.cluster("Could not open the lock file \(lockPath).") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw FundError.cluster("Could not lock \(lockPath).") }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// `initdb` and `pg_ctl` from PATH, or the newest `/usr/lib/postgresql/*/bin`. A link on PATH
    /// (Debian's packages link only some tools into /usr/local/bin or /usr/bin) is followed to
    /// the folder of PostgreSQL's own binaries, where `pg_basebackup` is too.
    static func findBinaries() throws -> URL {
        let fileManager = FileManager.default
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":") where fileManager.isExecutableFile(atPath: "\(folder)/initdb") {
            let initdb = URL(fileURLWithPath: "\(folder)/initdb").resolvingSymlinksInPath()
            let binaries = initdb.deletingLastPathComponent()
            if fileManager.isExecutableFile(atPath: binaries.appendingPathComponent("pg_ctl").path) { return binaries }
            if fileManager.isExecutableFile(atPath: "\(folder)/pg_ctl") { return URL(fileURLWithPath: String(folder)) }
        }
        let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let folder = "/usr/lib/postgresql/\(version)/bin"
            if fileManager.isExecutableFile(atPath: "\(folder)/initdb") { return URL(fileURLWithPath: folder) }
        }
        throw FundError.cluster(
            "PostgreSQL's initdb and pg_ctl were not found on PATH or under /usr/lib/postgresql; "
                + "install them (Debian: `apt-get install postgresql`) or set CFUND_DATABASE_URL to use a server.")
    }

    /// The home itself when the cluster's user can reach it and the socket path fits in
    /// `sun_path` (107 bytes); otherwise a folder under /var/tmp named after the home.
    static func chooseRoot(home: URL, runAsUser: String?) throws -> URL {
        let socketLength = home.appendingPathComponent("run/.s.PGSQL.\(port)").path.utf8.count
        if socketLength < 100, try reachable(home, by: runAsUser) { return home }
        let digest = SHA256.hash(data: Data(home.path.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        let fallback = URL(fileURLWithPath: "/var/tmp/cfund-\(digest)")
        try checkFallback(fallback, runAsUser: runAsUser)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try Data((fallback.path + "\n").utf8).write(to: home.appendingPathComponent("cluster-location"))
        return fallback
    }

    /// The fallback's name can be guessed and /var/tmp is shared: a folder already there must be
    /// a real folder of ours (or of the user PostgreSQL runs as), never someone else's or a link.
    static func checkFallback(_ folder: URL, runAsUser: String?) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: folder.path) else { return }
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        let trusted = [getuid()] + (runAsUser.flatMap { getpwnam($0)?.pointee.pw_uid }.map { [$0] } ?? [])
        guard attributes[.type] as? FileAttributeType == .typeDirectory, let owner, trusted.contains(owner) else {
            throw FundError.cluster(
                "\(folder.path) exists but is not a folder of this user\(runAsUser.map { " or of \($0)" } ?? ""); "
                    + "someone else may have made it. Remove it, or set CFUND_HOME to a folder PostgreSQL can reach.")
        }
    }

    /// Whether `user` can traverse every folder down to `home` (creating it first as the caller).
    static func reachable(_ home: URL, by user: String?) throws -> Bool {
        guard let user else { return true }
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let probe = try ProcessRunner.run("/usr/bin/test", ["-x", home.path], as: user)
        return probe.status == 0
    }
}
