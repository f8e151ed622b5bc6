import Foundation
import FundCore
import FundHTTP
import FundStore
import FundTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("HTTP: health, readiness and open calls")
struct HealthAndCallsTests {
    @Test func healthAndReadinessAnswer() async throws {
        try await withTestDatabase { database in
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }

    /// A method a known path does not have is 405 with the methods it has; an unknown path 404.
    @Test func wrongMethodsAre405AndUnknownPaths404() async throws {
        try await withTestDatabase { database in
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in
                try await client.execute(uri: "/v1/submissions/7", method: .patch) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "DELETE, GET, PUT")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                try await client.execute(uri: "/v1/calls", method: .delete) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "GET")
                }
                try await client.execute(uri: "/v1/nothing/here", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test func openCallsAreListedWithTheirRules() async throws {
        try await withTestDatabase { database in
            let envelope = try await EnvelopeRepository(database).create(
                Envelope(
                    name: "Community Fund 2023-2024", amount: Money(cents: 150_000_000),
                    validity: try DayRange(parsing: "2023-01-01..2030-12-31")))
            let paris = try LocalTime.zone(named: "Europe/Paris")
            let calls = CallRepository(database)
            let open = try await calls.create(
                Call(
                    envelopeId: envelope, title: "Open call", budget: Money(cents: 60_000_000),
                    opensAt: Date().addingTimeInterval(-60),
                    closesAt: try LocalTime.deadline("2099-12-15 23:59", in: paris),
                    rules: EligibilityRules(allowedKinds: [.capital], maxRequest: Money(cents: 5_000_000))))
            try await calls.create(
                Call(
                    envelopeId: envelope, title: "Draft call", budget: Money(cents: 1_000), opensAt: Date(),
                    closesAt: Date().addingTimeInterval(3600)))
            _ = try await calls.open(String(open))
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in
                try await client.execute(uri: "/v1/calls", method: .get) { response in
                    #expect(response.status == .ok)
                    let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
                    let listed = json["calls"] as! [[String: Any]]
                    #expect(listed.count == 1)
                    #expect(listed[0]["title"] as? String == "Open call")
                    #expect(listed[0]["budgetCents"] as? Int == 60_000_000)
                    #expect(listed[0]["maxRequestCents"] as? Int == 5_000_000)
                    #expect(listed[0]["lastAcceptedAt"] as? String == "2099-12-15T23:59:59.999+01:00")
                }
                try await client.execute(uri: "/v1/nothing", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test func readinessFailsWithAProblemWhenTheDatabaseIsGone() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            let app = Application(router: patientRouter(database))
            try await TestCluster.shared.drop(configuration)
            try await app.test(.router) { client in
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
                    #expect(json["status"] as? Int == 503)
                }
            }
        }
    }
}
