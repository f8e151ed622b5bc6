import Foundation
import FundHTTP
import FundStore
import FundTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("OpenAPI document and metrics")
struct OpenAPITests {
    /// "GET /v1/submissions/{id}" for every operation the document describes.
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var operations = Set<String>()
        var path: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if !line.hasPrefix(" "), !line.isEmpty {
                path = nil
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let word = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "put", "post", "delete", "patch"].contains(String(word)) {
                    operations.insert("\(word.uppercased()) \(path)")
                }
            }
        }
        return operations
    }

    @Test func theRouterAndTheDocumentAgree() async throws {
        try await withTestDatabase { database in
            let router = patientRouter(database)
            // The API's routes; the portal's pages are HTML for people, not part of the API.
            let system: Set<String> = ["healthz", "readyz", "metrics", "openapi.yaml"]
            let served = Set(
                router.routes.compactMap { route -> String? in
                    let segments = route.path.description.split(separator: "/")
                    guard let first = segments.first, first == "v1" || system.contains(String(first)) else {
                        return nil
                    }
                    let path = segments.map { segment in
                        segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
                    }
                    return "\(route.method) /" + path.joined(separator: "/")
                })
            let documented = Self.documentedOperations(OpenAPIDocument.text)
            #expect(documented.count >= 9)
            #expect(served.subtracting(documented).isEmpty, "served but not documented")
            #expect(documented.subtracting(served).isEmpty, "documented but not served")
        }
    }

    @Test func theRepositoryFileIsTheServedDocument() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        #expect(file == OpenAPIDocument.text)
    }

    @Test func theDocumentAndMetricsAreServed() async throws {
        try await withTestDatabase { database in
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in
                try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).hasPrefix("openapi: 3.1.0"))
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                }
            }
        }
    }
}
