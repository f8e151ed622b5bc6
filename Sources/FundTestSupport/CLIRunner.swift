import Foundation
import FundStore

/// Runs the built `cfund` binary as a user would, against a test database.
public struct CLIRunner: Sendable {
    public let database: DatabaseConfiguration

    public init(database: DatabaseConfiguration) {
        self.database = database
    }

    /// `cfund` beside the test bundle: SwiftPM builds executables into the same folder.
    public static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
        for folder in candidates {
            let path = folder.appendingPathComponent("cfund").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return bundle.appendingPathComponent("cfund").path
    }

    /// Runs `cfund ARGUMENTS` with `CFUND_DATABASE_URL` set to the test database.
    public func run(_ arguments: String..., environment extra: [String: String] = [:]) throws -> ProcessRunner.Output {
        try run(arguments, environment: extra)
    }

    public func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProcessRunner.Output {
        var environment = ProcessInfo.processInfo.environment
        environment["CFUND_DATABASE_URL"] = database.displayURL
        environment.merge(extra) { $1 }
        return try ProcessRunner.run(Self.executable, arguments, environment: environment, separateErrors: true)
    }
}
