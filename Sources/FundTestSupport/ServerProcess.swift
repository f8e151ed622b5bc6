import Foundation
import FundCore
import FundStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The built `cfund serve` running as its own process on a free loopback port, as a deployment
/// runs it: for tests of what only a real process shows (signals, file descriptors, sockets).
public final class ServerProcess: @unchecked Sendable {
    public let port: Int
    public let started: ProcessRunner.Started
    private var exitStatus: Int32?

    /// Starts `cfund serve` on `database` with `options`, under `prlimit` when `descriptors` is
    /// given, and waits until it answers /healthz.
    public init(
        database: DatabaseConfiguration, options: [String] = [], descriptors: Int? = nil,
        environment extra: [String: String] = [:]
    ) async throws {
        port = try Self.freePort()
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        environment["CFUND_DATABASE_URL"] = database.displayURL
        let serve = ["serve", "--port", String(port), "--log-level", "notice"] + options
        if let descriptors {
            started = try ProcessRunner.start(
                "/usr/bin/prlimit", ["--nofile=\(descriptors):\(descriptors)", CLIRunner.executable] + serve,
                environment: environment)
        } else {
            started = try ProcessRunner.start(CLIRunner.executable, serve, environment: environment)
        }
        for _ in 0..<200 {
            if (try? await HTTPProbe.send(.get, "http://127.0.0.1:\(port)/healthz", timeout: 1))?.status == 200 {
                return
            }
            if let status = reap() {
                throw FundError.cluster("cfund serve exited with \(status) before answering: \(started.printed)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FundError.cluster("cfund serve did not answer /healthz within 10 s: \(started.printed)")
    }

    deinit {
        if exitStatus == nil {
            kill(started.pid, SIGKILL)
            _ = reap(blocking: true)
        }
        started.removeFiles()
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// What the server printed so far.
    public var log: String { started.printed }

    /// Ends the process at once (SIGKILL), as a crash would.
    public func killNow() {
        kill(started.pid, SIGKILL)
        _ = reap(blocking: true)
    }

    /// Sends SIGTERM and waits up to `timeout` for the process to end; its exit status and how
    /// long it took, or nil status if it was still running.
    public func terminate(within timeout: Duration) async -> (status: Int32?, seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        kill(started.pid, SIGTERM)
        while clock.now - start < timeout {
            if let status = reap() { return (status, Self.seconds(clock.now - start)) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (nil, Self.seconds(clock.now - start))
    }

    /// The process's CPU time so far (user and system), from /proc.
    public var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(started.pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        // After the name: state is field 3 of the file, utime 14 and stime 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Open file descriptors of the process.
    public var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(started.pid)/fd").count) ?? 0
    }

    private func reap(blocking: Bool = false) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(started.pid, &status, blocking ? 0 : WNOHANG)
        guard result == started.pid else { return nil }
        exitStatus = started.output(status: status).status
        return exitStatus
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A port nothing listens on now (the kernel's choice for a socket bound to port 0).
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw FundError.cluster("No free loopback port for a test server.") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// HTTP requests as any client sends them, with how long each took.
public enum HTTPProbe {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case delete = "DELETE"
    }

    public struct Reply: Sendable {
        /// 0 when no answer came (refused, reset, timed out).
        public let status: Int
        public let headers: [String: String]
        public let body: String
        public let seconds: Double

        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        return URLSession(configuration: configuration)
    }()

    public static func send(
        _ method: Method, _ url: String, headers: [String: String] = [:], body: String? = nil, timeout: Double = 30
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: timeout)
        request.httpMethod = method.rawValue
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body.map { Data($0.utf8) }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let (data, response) = try await session.data(for: request)
            let http = response as? HTTPURLResponse
            var fields: [String: String] = [:]
            for (name, value) in http?.allHeaderFields ?? [:] {
                fields[String(describing: name).lowercased()] = String(describing: value)
            }
            return Reply(
                status: http?.statusCode ?? 0, headers: fields, body: String(decoding: data, as: UTF8.self),
                seconds: ServerProcess.seconds(clock.now - start))
        } catch {
            return Reply(status: 0, headers: [:], body: "\(error)", seconds: ServerProcess.seconds(clock.now - start))
        }
    }
}
