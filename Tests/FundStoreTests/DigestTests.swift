import FundStore
import Testing

/// SHA-256 in lowercase hex, as receipts, tokens and the audit chain print it.
@Suite("Digests")
struct DigestTests {
    @Test func knownAnswers() {
        #expect(Digest.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.hex([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
    }
}
