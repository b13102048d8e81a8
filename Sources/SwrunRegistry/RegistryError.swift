import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwrunOS

/// Turns registry answers and transport failures into one-line `SwrunError`s.
///
/// Every message starts with what was being done and to what ("manifest
/// 127.0.0.1:5000/foo:latest"), then the registry's own error code and message from
/// the JSON `errors` body, then the HTTP status, so a user never has to guess whether
/// the name, the credentials or the network was wrong.
enum RegistryError {
    /// The largest error body read; registries send a few hundred bytes.
    static let maximumErrorBody = 64 * 1024

    /// The error for an unexpected `response`; reads (a bounded part of) its body.
    static func from(_ response: HTTPClientResponse, what: String) async -> SwrunError {
        let body = (try? await response.body.collect(upTo: maximumErrorBody)).map { Array($0.readableBytesView) } ?? []
        return from(status: response.status, body: body, what: what)
    }

    /// The error for an HTTP `status` with the raw `body` the registry sent.
    static func from(status: HTTPResponseStatus, body: [UInt8], what: String) -> SwrunError {
        var detail = describeBody(body) ?? status.reasonPhrase.lowercased()
        // Token servers often answer 401 with a bare message ("incorrect username or
        // password"); the word callers and users look for is kept in front.
        if status == .unauthorized, !detail.lowercased().hasPrefix("unauthorized") {
            detail = "unauthorized: " + detail
        }
        return SwrunError(code(for: status), "\(what): \(detail) (HTTP \(status.code))")
    }

    /// A transport failure (connection refused, TLS, timeout) as one line.
    static func transport(_ error: any Error, what: String) -> SwrunError {
        if let error = error as? SwrunError { return error }
        return SwrunError(.system, "\(what): \(describeTransport(error))")
    }

    /// "code: message[; code: message]" from the distribution spec's
    /// `{"errors": [{"code", "message", "detail"}]}`, or from the `details` /
    /// `error` / `message` keys token servers use instead.
    static func describeBody(_ body: [UInt8]) -> String? {
        guard !body.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return nil
        }
        if let errors = object["errors"] as? [[String: Any]], !errors.isEmpty {
            let parts = errors.map { entry -> String in
                let code = (entry["code"] as? String)?.lowercased().replacingOccurrences(of: "_", with: " ")
                let message = entry["message"] as? String
                return [code, message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            }.filter { !$0.isEmpty }
            if !parts.isEmpty { return SwrunError.oneLine(parts.joined(separator: "; ")) }
        }
        for key in ["details", "error_description", "error", "message"] {
            if let text = object[key] as? String, !text.isEmpty { return SwrunError.oneLine(text) }
        }
        return nil
    }

    /// The `SwrunError` kind for an HTTP status.
    static func code(for status: HTTPResponseStatus) -> SwrunError.Code {
        switch status.code {
        case 404: return .notFound
        case 401, 403, 400, 416: return .invalidArgument
        case 405, 501: return .unsupported
        case 409: return .conflict
        default: return .system
        }
    }

    static func describeTransport(_ error: any Error) -> String {
        let text = (error as? HTTPClientError)?.shortDescription ?? String(describing: error)
        let lower = text.lowercased()
        // NIO's wording nests errors ("connection reset (error set): Connection
        // refused) (errno: 111)"); the common causes get docker's plain words.
        if lower.contains("connection refused") { return "connection refused" }
        if lower.contains("certificate_verify_failed") {
            return "TLS: the registry's certificate is not trusted (its CA goes in certs.d/<registry>/ca.crt beside the config file)"
        }
        if lower.contains("handshakefailed") || lower.contains("wrong_version_number") {
            return "TLS handshake failed (is it an HTTP registry? list it in insecure-registries)"
        }
        if lower.contains("unknownhost") || lower.contains("name or service not known") {
            let host = lower.range(of: "for host ").map { String(text[$0.upperBound...].prefix { $0 != "," && $0 != " " }) }
            return "no such host" + (host.map { " " + $0 } ?? "")
        }
        return SwrunError.oneLine(error is HTTPClientError ? lower : text)
    }
}
