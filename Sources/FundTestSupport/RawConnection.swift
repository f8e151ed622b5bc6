import Foundation
import FundCore

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connection driven byte by byte, as slow, stalled or hostile clients behave: what an
/// HTTP library would never send. Blocking calls run on their own threads, off the concurrency
/// pool.
public final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32

    public init(port: Int) throws {
        // Close-on-exec: PostgreSQL, started meanwhile by another test, would inherit the socket
        // and count it against its own descriptors.
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw FundError.cluster("Could not connect to port \(port): \(reason).")
        }
    }

    deinit { close(descriptor) }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes the connection or `timeout` passes, and how
    /// long that took; `closed` tells which.
    public func readUntilClosed(timeout: Double) async -> (text: String, closed: Bool, seconds: Double) {
        let descriptor = descriptor
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                let start = Date()
                var closed = false
                while Date().timeIntervalSince(start) < timeout {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    let left = Int32(max(1, (timeout - Date().timeIntervalSince(start)) * 1000))
                    guard poll(&poller, 1, left) > 0 else { continue }
                    let count = recv(descriptor, &buffer, buffer.count, 0)
                    if count <= 0 {
                        closed = true
                        break
                    }
                    received += buffer.prefix(count)
                }
                continuation.resume(
                    returning: (String(decoding: received, as: UTF8.self), closed, Date().timeIntervalSince(start)))
            }
        }
    }

    /// The status code of the first response in `text`, or 0.
    public static func status(_ text: String) -> Int {
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return 0 }
        return Int(parts[1]) ?? 0
    }
}
