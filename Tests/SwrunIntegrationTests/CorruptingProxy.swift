import Foundation
import Glibc
import Synchronization

/// An HTTP/1.1 proxy in front of one registry that flips one byte in the middle of the
/// blobs it serves, so a client that does not verify digests stores corrupt content.
///
/// It listens on 127.0.0.1 (a free port) and handles one request per connection: the
/// request is read whole, rewritten to `Connection: close` (an absolute-form target,
/// `GET http://host/v2/…`, becomes origin-form) and sent to the registry; the response is
/// read to its end, de-chunked, and sent back with a `Content-Length`. A `GET
/// /v2/…/blobs/sha256:…` answered 200 or 206 whose digest `shouldCorrupt` accepts gets
/// the byte at the middle of its body inverted; everything else passes unchanged.
/// docker-registry's filesystem storage serves blobs itself (no redirect to a storage
/// URL), so the blob responses all come through here.
final class CorruptingProxy: Sendable {
    let port: UInt16
    /// `127.0.0.1:PORT`: pull `HOST/REPO:TAG` to go through the proxy.
    var host: String { "127.0.0.1:\(port)" }

    private let listener: Int32
    private let upstreamPort: UInt16
    private let shouldCorrupt: @Sendable (String) -> Bool
    private let state = Mutex(State())

    private struct State {
        var corrupted: [String] = []
        var requests: [String] = []
        var stopped = false
    }

    /// Starts proxying to the registry at `127.0.0.1:upstreamPort`.
    init(upstreamPort: UInt16, shouldCorrupt: @escaping @Sendable (String) -> Bool = { _ in true }) throws {
        self.upstreamPort = upstreamPort
        self.shouldCorrupt = shouldCorrupt
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("proxy socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Socket.loopback(port: 0)
        guard Socket.bind(fd, &address) == 0, listen(fd, 64) == 0 else {
            let error = errno
            close(fd)
            throw HarnessError("proxy bind/listen on 127.0.0.1: errno \(error)")
        }
        listener = fd
        port = try Socket.localPort(fd)
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "CorruptingProxy:\(port)"
        thread.start()
    }

    deinit { stop() }

    /// The digests of the blobs whose bodies were altered, in the order served.
    var corrupted: [String] { state.withLock { $0.corrupted } }
    /// Every request line forwarded (`GET /v2/…`), in order.
    var requests: [String] { state.withLock { $0.requests } }

    /// Stops accepting; a connection in flight finishes on its own thread.
    func stop() {
        let wasStopped = state.withLock { state in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            if state.withLock({ $0.stopped }) {
                close(client)
                return
            }
            Thread.detachNewThread { [self] in
                defer { close(client) }
                handle(client)
            }
        }
    }

    private func handle(_ client: Int32) {
        Self.setTimeout(client)
        // A TLS ClientHello (clients probing HTTPS first, like skopeo and podman) gets the
        // plain-HTTP refusal Go's servers send, so the client falls back at once.
        var first: UInt8 = 0
        if recv(client, &first, 1, Int32(MSG_PEEK)) == 1, first == 0x16 {
            Self.write(client, Data("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n".utf8))
            return
        }
        var reader = MessageReader(fd: client)
        guard let request = try? reader.readHead(), request.startLine.split(separator: " ").count == 3 else { return }
        let parts = request.startLine.split(separator: " ").map(String.init)
        let method = parts[0]
        var target = parts[1]
        if let schemeEnd = target.range(of: "://") {
            let afterAuthority = target[schemeEnd.upperBound...].firstIndex(of: "/") ?? target.endIndex
            target = afterAuthority == target.endIndex ? "/" : String(target[afterAuthority...])
        }
        guard let body = try? reader.readBody(of: request, isResponse: false, requestMethod: method) else { return }
        state.withLock { $0.requests.append(method + " " + target) }

        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard upstream >= 0 else { return }
        defer { close(upstream) }
        var address = Socket.loopback(port: upstreamPort)
        guard Socket.connect(upstream, &address) == 0 else {
            Self.write(client, Self.serialize("HTTP/1.1 502 Bad Gateway", [], Data("proxy: connect failed\n".utf8)))
            return
        }
        Self.setTimeout(upstream)
        let forwarded = Self.serialize(
            "\(method) \(target) \(parts[2])", request.headers,
            body, keepEmptyBody: request.value("content-length") != nil || request.isChunked)
        guard Self.write(upstream, forwarded) else { return }

        var upstreamReader = MessageReader(fd: upstream)
        guard let response = try? upstreamReader.readHead(),
              var responseBody = try? upstreamReader.readBody(of: response, isResponse: true, requestMethod: method)
        else { return }
        let status = Int(response.startLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        if method == "GET", status == 200 || status == 206, !responseBody.isEmpty, let digest = Self.blobDigest(target),
           shouldCorrupt(digest) {
            let middle = responseBody.startIndex + responseBody.count / 2
            responseBody[middle] ^= 0xff
            state.withLock { $0.corrupted.append(digest) }
        }
        let keepEmpty = method != "HEAD" && status != 204 && status != 304 && status >= 200
        var headers = response.headers
        if method == "HEAD" {
            // A HEAD response's Content-Length describes the GET body; keep it as it is.
            headers.removeAll { $0.name.lowercased() == "transfer-encoding" }
            Self.write(client, Self.serialize(response.startLine, headers, Data(), keepEmptyBody: false, keepLength: true))
        } else {
            Self.write(client, Self.serialize(response.startLine, headers, responseBody, keepEmptyBody: keepEmpty))
        }
    }

    /// `sha256:HEX` when `target` is `/v2/NAME/blobs/sha256:HEX` (query ignored).
    static func blobDigest(_ target: String) -> String? {
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        guard path.hasPrefix("/v2/"), let range = path.range(of: "/blobs/sha256:", options: .backwards) else { return nil }
        let hex = path[range.upperBound...]
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        return "sha256:" + hex
    }

    /// A message with hop-by-hop headers replaced: `Connection: close` and, when there is
    /// a body (or `keepEmptyBody`), the body's `Content-Length`.
    static func serialize(
        _ startLine: String, _ headers: [HTTPHead.Header], _ body: Data, keepEmptyBody: Bool = true,
        keepLength: Bool = false
    ) -> Data {
        let hopByHop: Set<String> = ["connection", "proxy-connection", "keep-alive", "transfer-encoding", "te", "upgrade"]
        var text = startLine + "\r\n"
        for header in headers where !hopByHop.contains(header.name.lowercased()) {
            if !keepLength, header.name.lowercased() == "content-length" { continue }
            text += header.name + ": " + header.value + "\r\n"
        }
        if !keepLength, !body.isEmpty || keepEmptyBody { text += "Content-Length: \(body.count)\r\n" }
        text += "Connection: close\r\n\r\n"
        return Data(text.utf8) + body
    }

    @discardableResult
    static func write(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let sent = send(fd, base + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }

    private static func setTimeout(_ fd: Int32) {
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}

/// The start line and headers of an HTTP/1.1 message, in order.
struct HTTPHead {
    struct Header {
        let name: String
        let value: String
    }

    let startLine: String
    let headers: [Header]

    func value(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    var isChunked: Bool { value("transfer-encoding")?.lowercased().contains("chunked") == true }
}

/// Reads HTTP/1.1 messages from a socket: the head, then a body framed by
/// `Content-Length`, chunked encoding (returned de-chunked) or the end of the stream.
struct MessageReader {
    struct ProtocolError: Error {}

    let fd: Int32
    private var buffer = Data()
    private var atEnd = false

    init(fd: Int32) { self.fd = fd }

    mutating func readHead() throws -> HTTPHead {
        let end = try awaitSeparator("\r\n\r\n")
        let head = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
        buffer = Data(buffer[end.upperBound...])
        var lines = head.components(separatedBy: "\r\n")
        let startLine = lines.removeFirst()
        let headers = lines.compactMap { line -> HTTPHead.Header? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return HTTPHead.Header(
                name: String(line[..<colon]),
                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return HTTPHead(startLine: startLine, headers: headers)
    }

    mutating func readBody(of head: HTTPHead, isResponse: Bool, requestMethod: String) throws -> Data {
        if isResponse {
            let status = Int(head.startLine.split(separator: " ").dropFirst().first ?? "") ?? 0
            if requestMethod == "HEAD" || status / 100 == 1 || status == 204 || status == 304 { return Data() }
        }
        if head.isChunked { return try readChunked() }
        if let length = head.value("content-length").flatMap(Int.init) { return try readExactly(length) }
        if !isResponse { return Data() }
        while try fill() {}
        defer { buffer = Data() }
        return buffer
    }

    private mutating func readChunked() throws -> Data {
        var body = Data()
        while true {
            let sizeLine = try readLine()
            let hex = sizeLine.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(hex, radix: 16) else { throw ProtocolError() }
            if size == 0 {
                while try !readLine().isEmpty {}
                return body
            }
            body += try readExactly(size)
            guard try readLine().isEmpty else { throw ProtocolError() }
        }
    }

    private mutating func readLine() throws -> String {
        let end = try awaitSeparator("\r\n")
        let line = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
        buffer = Data(buffer[end.upperBound...])
        return line
    }

    /// Reads until the buffer holds `separator`; its range in the buffer.
    private mutating func awaitSeparator(_ separator: String) throws -> Range<Data.Index> {
        let bytes = Data(separator.utf8)
        while true {
            if let range = buffer.range(of: bytes) { return range }
            guard try fill() else { throw ProtocolError() }
        }
    }

    private mutating func readExactly(_ count: Int) throws -> Data {
        while buffer.count < count {
            guard try fill() else { throw ProtocolError() }
        }
        let bytes = Data(buffer.prefix(count))
        buffer = Data(buffer.dropFirst(count))
        return bytes
    }

    /// Reads what the socket has; false at the end of the stream.
    private mutating func fill() throws -> Bool {
        guard !atEnd else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw ProtocolError() }
            if count == 0 {
                atEnd = true
                return false
            }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
    }
}
