import Foundation
import FundCore
import Hummingbird
import MultipartKit
import NIOCore

/// A `multipart/form-data` body read as it arrives (multipart-kit's parser, fed chunk by chunk):
/// the form's fields up to its file, then the file's bytes as a sequence of chunks, never whole
/// in memory. The portal's forms put their fields (the CSRF token, the kind of file) before the
/// file, as browsers send parts in the order of the form.
final class MultipartUpload {
    private enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case partEnd
    }

    private let parser: MultipartParser
    private var chunks: RequestBody.AsyncIterator
    private var events: [Event] = []
    private var bodyEnded = false

    /// - Throws: a 400 problem when the request is not `multipart/form-data` with a boundary.
    init(_ request: Request) throws {
        let type = request.headers[.contentType] ?? ""
        guard type.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.parameter("boundary", in: type), !boundary.isEmpty
        else {
            throw Problem(
                status: .badRequest, type: "malformed", title: "Send a form with a file",
                detail: "Send the file as multipart/form-data (an HTML form with enctype=\"multipart/form-data\").")
        }
        parser = MultipartParser(boundary: boundary)
        chunks = request.body.makeAsyncIterator()
        parser.onHeader = { [unowned self] name, value in events.append(.header(name, value)) }
        parser.onBody = { [unowned self] buffer in events.append(.body(buffer)) }
        parser.onPartComplete = { [unowned self] in events.append(.partEnd) }
    }

    private func next() async throws -> Event? {
        while events.isEmpty {
            guard !bodyEnded else { return nil }
            guard let chunk = try await chunks.next() else {
                bodyEnded = true
                continue
            }
            do {
                try parser.execute(chunk)
            } catch {
                throw Problem(
                    status: .badRequest, type: "malformed", title: "Malformed form",
                    detail: "The multipart body cannot be read; send the form again.")
            }
        }
        return events.removeFirst()
    }

    /// The form's fields before its first file, and that file's name (nil when the form has no
    /// file, or an empty one).
    func fieldsUntilFile() async throws -> (fields: [String: String], fileName: String?) {
        var fields: [String: String] = [:]
        var headers: [String: String] = [:]
        var value = ByteBuffer()
        while let event = try await next() {
            switch event {
            case .header(let name, let text):
                headers[name.lowercased()] = text
                if name.lowercased() == "content-disposition", let file = Self.parameter("filename", in: text) {
                    return (fields, file.isEmpty ? nil : file)
                }
            case .body(var buffer):
                // Fields are short; a long one is cut, not held.
                if value.readableBytes < 4_096 { value.writeBuffer(&buffer) }
            case .partEnd:
                if let disposition = headers["content-disposition"], let name = Self.parameter("name", in: disposition)
                {
                    fields[name] = String(buffer: value)
                }
                headers = [:]
                value = ByteBuffer()
            }
        }
        return (fields, nil)
    }

    /// The current file's bytes, chunk by chunk, until its part ends.
    var file: FileBytes { FileBytes(upload: self) }

    struct FileBytes: AsyncSequence {
        typealias Element = ByteBuffer
        let upload: MultipartUpload

        func makeAsyncIterator() -> Iterator { Iterator(upload: upload) }

        struct Iterator: AsyncIteratorProtocol {
            let upload: MultipartUpload
            var ended = false

            mutating func next() async throws -> ByteBuffer? {
                guard !ended else { return nil }
                while let event = try await upload.next() {
                    switch event {
                    case .body(let buffer): return buffer
                    case .partEnd:
                        ended = true
                        return nil
                    case .header: continue
                    }
                }
                ended = true
                return nil
            }
        }
    }

    /// `value` of `name="value"` (or `name=value`) in a header such as Content-Type or
    /// Content-Disposition.
    static func parameter(_ name: String, in header: String) -> String? {
        for part in header.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            return value
        }
        return nil
    }
}
