import Foundation
import FundCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The demo's applicants and reviewers: plain HTTP requests to the server on loopback, as
/// curl or any client would send them.
struct DemoClient: Sendable {
    struct Reply: Sendable {
        let status: Int
        /// The JSON body as text, kept for printing; `json` reads it.
        let body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        /// The reply, if the API answered `expected` as every run of the demo does; `step`
        /// names what was tried.
        @discardableResult
        func expect(_ expected: Int, _ step: String) throws -> Reply {
            guard status == expected else {
                throw FundError.database(
                    "The demo's \(step) got \(status) instead of \(expected) (\(body)). The demo's steps are fixed, "
                        + "so this is a fault in cfund: report this message.")
            }
            return self
        }
    }

    let base: URL
    let session: URLSession

    init(port: Int) {
        base = URL(string: "http://127.0.0.1:\(port)")!
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 15
        session = URLSession(configuration: configuration)
    }

    func send(
        _ method: String, _ path: String, token: String, json: String? = nil, idempotencyKey: String? = nil
    ) async throws -> Reply {
        var request = URLRequest(url: base.appendingPathComponent(path))
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        let (data, response) = try await session.data(for: request)
        return Reply(
            status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self))
    }
}
