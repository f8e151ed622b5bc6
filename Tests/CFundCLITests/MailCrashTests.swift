import Foundation
import FundCore
import FundMail
import FundStore
import FundTestSupport
import Testing

/// `cfund serve` sending the outbox, killed with SIGKILL while the SMTP server holds a message it
/// has taken but not yet acknowledged: after a restart every message has arrived, and the only one
/// that can arrive twice is that one, with the same Message-ID.
@Suite("Mail: a server killed while sending")
struct MailCrashTests {
    static func messageId(_ data: String) -> String {
        data.split(separator: "\r\n").first { $0.hasPrefix("Message-ID: ") }.map(String.init) ?? ""
    }

    @Test(.timeLimit(.minutes(3)))
    func nothingIsLostAndAtMostTheMessageInFlightArrivesTwice() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let messages = 30
        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            let fixture = try await IntakeFixture.make(database)
            let lyon = try await OrganisationRepository(database).find(String(fixture.lyon))
            let submissions = SubmissionRepository(database)
            func content(_ version: Int) -> SubmissionContent {
                SubmissionContent(
                    title: "Tremplin Lyon, version \(version)", summary: "", requested: Money(cents: 4_000_000),
                    totalCost: Money(cents: 8_000_000), ambitions: [.greenTech], contactName: "Camille Martin",
                    contactEmail: "camille@lyon.example")
            }
            // Received once, amended 29 times: 30 messages.
            let first = try await submissions.receive(
                callId: fixture.callId, organisation: lyon, content: content(1), idempotencyKey: nil)
            for version in 2...messages {
                _ = try await submissions.amend(first.submission.id, organisationId: lyon.id, content: content(version))
            }
        }
        let sink = try await MailSink()
        sink.delayReplies(.milliseconds(500))
        let environment = ["CFUND_SMTP_URL": "smtp://127.0.0.1:\(sink.port)"]
        let first = try await ServerProcess(database: configuration, environment: environment)
        let clock = ContinuousClock()
        let patience = clock.now + .seconds(60)
        while sink.received.count < 5 && clock.now < patience { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.received.count >= 5, "\(first.log.suffix(2_000))")
        first.killNow()
        sink.delayReplies(.zero)

        let second = try await ServerProcess(database: configuration, environment: environment)
        let (sent, outbox) = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            var sent: Int64 = 0
            while sent < Int64(messages) && clock.now < patience + .seconds(60) {
                try await Task.sleep(for: .milliseconds(100))
                sent = try await database.count("SELECT count(*)::bigint FROM mail_outbox WHERE status = 'sent'")
            }
            let ids = try await database.query("SELECT message_id FROM mail_outbox").decode(String.self)
            return (sent, ids.map { "Message-ID: " + $0 })
        }
        #expect(sent == Int64(messages), "\(second.log.suffix(2_000))")
        let arrived = sink.received.map { Self.messageId($0.data) }
        #expect(Set(arrived) == Set(outbox), "every message arrived, and nothing else")
        #expect(arrived.count - Set(arrived).count <= 1, "\(arrived.count) arrivals for \(Set(arrived).count) messages")
        _ = await second.terminate(within: .seconds(10))
        await sink.close()
        try await TestCluster.shared.drop(configuration)
    }
}
