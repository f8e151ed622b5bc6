import Foundation
import FundStore
import FundTestSupport
import Testing

/// The browser tests need Chromium, its driver and Python with selenium and axe-selenium-python;
/// `.ci/run` installs them. Elsewhere they are reported skipped, with what is missing.
enum BrowserTools {
    static let python =
        ProcessInfo.processInfo.environment["CFUND_BROWSER_PYTHON"] ?? "/tmp/cfund-ci-venv/bin/python"

    static let missing: String? = {
        let fileManager = FileManager.default
        if !fileManager.isExecutableFile(atPath: "/usr/bin/chromium") {
            return "no Chromium (apt-get install chromium)"
        }
        if !fileManager.isExecutableFile(atPath: "/usr/bin/chromedriver") {
            return "no chromedriver (apt-get install chromium-driver)"
        }
        let probe = try? ProcessRunner.run(python, ["-c", "import selenium, axe_selenium_python"])
        if probe?.status != 0 {
            return "no Python with selenium and axe-selenium-python at \(python) (set CFUND_BROWSER_PYTHON)"
        }
        return nil
    }()

    /// The script's folder: Tests/Browser beside the package.
    static var scripts: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Browser")
    }
}

@Suite("The applicants' portal in Chromium")
struct PortalBrowserTests {
    @Test(
        .enabled(if: BrowserTools.missing == nil, Comment(rawValue: BrowserTools.missing ?? "")),
        .timeLimit(.minutes(3)))
    func anApplicantAppliesFromABrowserAndEveryPageIsAccessible() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let server = try await ServerProcess(database: configuration)
        let fixture = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { try await PortalFixture.make($0, base: server.url("")) }
        var environment = ProcessInfo.processInfo.environment
        environment["BASE_URL"] = server.url("")
        environment["LYON_LINK"] = fixture.lyonLink
        environment["TOKYO_LINK"] = fixture.tokyoLink
        environment["LATE_DRAFT"] = String(fixture.lateDraft)
        let settings = environment
        let run = try await offThePool {
            try ProcessRunner.run(
                BrowserTools.python, [BrowserTools.scripts.appendingPathComponent("portal.py").path],
                environment: settings)
        }
        #expect(run.status == 0, "\(run.text)\n--- server ---\n\(server.log.suffix(3_000))")
        #expect(run.text.contains("passed:"))
        _ = await server.terminate(within: .seconds(10))
        try await TestCluster.shared.drop(configuration)
    }
}
