import Foundation
import FundCore

/// Runs a program to completion and collects what it printed.
///
/// Output goes through a temporary file rather than a pipe: `pg_ctl start` leaves the server it
/// forks holding the inherited descriptors, so reading a pipe to its end would never return.
enum ProcessRunner {
    struct Output {
        let status: Int32
        let text: String
    }

    static func run(_ executable: String, _ arguments: [String], as user: String? = nil) throws -> Output {
        let process = Process()
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", user, "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        let outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("cfund-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let handle = try FileHandle(forWritingTo: outputURL)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? handle.close()
            throw FundError.cluster("Could not run \(executable): \(error.localizedDescription).")
        }
        process.waitUntilExit()
        try? handle.close()
        let data = (try? Data(contentsOf: outputURL)) ?? Data()
        return Output(status: process.terminationStatus, text: String(decoding: data, as: UTF8.self))
    }
}
