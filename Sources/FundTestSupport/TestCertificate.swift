import Foundation
import FundStore

/// A self-signed certificate for 127.0.0.1 and localhost, made by openssl for one test: the PEM
/// files a TLS server presents and a client is told to trust.
public struct TestCertificate: Sendable {
    public let certificate: String
    public let key: String
    let folder: URL

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfund-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        certificate = folder.appendingPathComponent("cert.pem").path
        key = folder.appendingPathComponent("key.pem").path
        let made = try ProcessRunner.run(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=cfund test mail server",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ])
        guard made.status == 0 else { throw TestCertificateError(reason: made.text) }
    }

    public func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

struct TestCertificateError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "openssl could not make a test certificate: \(reason)" }
}
