import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import FundHTTP

/// The token is read from `Authorization: Bearer ...` whatever the scheme's case and the spaces
/// around the token; any other scheme is no token.
@Suite("The bearer token of a request")
struct BearerTokenTests {
    static func token(_ header: String?) -> String? {
        var fields = HTTPFields()
        if let header { fields[.authorization] = header }
        let head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/", headerFields: fields)
        return Request(head: head, body: RequestBody(buffer: ByteBuffer())).bearerToken
    }

    @Test func theSchemeInAnyCaseAndTheSpacesAround() {
        #expect(Self.token("Bearer cft_abc") == "cft_abc")
        #expect(Self.token("bearer cft_abc") == "cft_abc")
        #expect(Self.token("BEARER   cft_abc \t") == "cft_abc")
    }

    @Test func anythingElseIsNoToken() {
        #expect(Self.token(nil) == nil)
        #expect(Self.token("Bearer") == nil)
        #expect(Self.token("Bearer  ") == nil, "a field's value is trimmed: this is the scheme alone")
        #expect(Self.token("Bearercft_abc") == nil)
        #expect(Self.token("Basic Y2Z0OmFiYw==") == nil)
        #expect(Self.token("Bearér cft_abc") == nil)
    }
}
