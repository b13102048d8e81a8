import Foundation
import Glibc
import Testing

/// A tiny HTTP/1.1 server on 127.0.0.1 for `ADD <url>`: one thread, one request per
/// connection, bodies by path (anything else is a 404).
final class LocalHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var bodies: [String: (body: [UInt8], headers: [String])] = [:]

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SandboxError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw SandboxError("bind 127.0.0.1: \(errno)") }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Serves `body` at `path` from now on.
    func set(_ path: String, _ body: String, headers: [String] = []) {
        lock.lock()
        bodies[path] = (Array(body.utf8), headers)
        lock.unlock()
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)" + path }

    /// Stops accepting: the accept loop ends with the listener.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
                let n = read(connection, &buffer, buffer.count)
                if n <= 0 { break }
                request += buffer[0..<n]
            }
            let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
            let target = line.split(separator: " ").dropFirst().first ?? "/"
            let path = String(target.prefix { $0 != "?" })
            lock.lock()
            let entry = bodies[path]
            lock.unlock()
            let body = entry?.body ?? Array("not found\n".utf8)
            var head = entry == nil ? "HTTP/1.1 404 Not Found\r\n" : "HTTP/1.1 200 OK\r\n"
            for header in entry?.headers ?? [] { head += header + "\r\n" }
            head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            let response = Array(head.utf8) + body
            _ = response.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            close(connection)
        }
    }
}

/// `ADD <http(s) URL>`: fetched by swrun itself from a server this test starts on
/// 127.0.0.1, named after the URL, mode 0600, never extracted, cached by its contents.
@Suite("build: ADD of a URL", .serialized)
struct BuildAddURLTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func addFetchesTheURLAndCachesByItsContents() throws {
        let server = try LocalHTTPServer()
        defer { server.stop() }
        server.set("/files/hello.txt", "hello\n", headers: ["Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT"])
        // Looks like a gzip: a local file this would be extracted, a URL never.
        server.set("/files/data.tar.gz", "\u{1f}\u{8b}not really\n")
        let checksum = "sha256:" + sha256Hex("\u{1f}\u{8b}not really\n")
        let directory = try swrun.buildContext("add-url", dockerfile: """
            FROM busybox
            ADD \(server.url("/files/hello.txt")) /downloads/
            ADD \(server.url("/files/hello.txt?x=1")) /renamed.txt
            ADD --checksum=\(checksum) \(server.url("/files/data.tar.gz")) /archive/
            """)
        let result = swrun.build(["-t", "added", directory])
        #expect(result.status == 0, "\(result)")
        let seen = swrun.runRm(["added", "sh", "-c",
                                "cat /downloads/hello.txt /renamed.txt; stat -c '%a %u %g %Y' /downloads/hello.txt; ls /archive"])
        #expect(seen.lines == ["hello", "hello", "600 0 0 1700000000", "data.tar.gz"], "\(seen)")

        // The same contents: cached; new contents: that step and the later ones again.
        let again = swrun.build([directory])
        #expect(again.status == 0 && again.stdout.components(separatedBy: "Using cache").count - 1 == 3, "\(again)")
        server.set("/files/hello.txt", "changed\n")
        let changed = swrun.build(["-t", "changed", directory])
        #expect(changed.status == 0 && !changed.stdout.contains("Using cache"), "\(changed)")
        #expect(swrun.runRm(["changed", "cat", "/downloads/hello.txt"]).out == "changed")
    }

    @Test func aWrongChecksumOrAMissingFileFailsTheBuild() throws {
        let server = try LocalHTTPServer()
        defer { server.stop() }
        server.set("/a.txt", "a\n")
        let wrong = "sha256:" + String(repeating: "0", count: 64)
        let mismatch = swrun.build([try swrun.buildContext("add-checksum", dockerfile: "FROM busybox\nADD --checksum=\(wrong) \(server.url("/a.txt")) /\n")])
        #expect(mismatch.status == 1, "\(mismatch)")
        #expect(mismatch.stderr.contains("digest mismatch for \(server.url("/a.txt")): sha256:\(sha256Hex("a\n")) (expected: \(wrong))"), "\(mismatch)")

        let missing = swrun.build([try swrun.buildContext("add-404", dockerfile: "FROM busybox\nADD \(server.url("/nope")) /\n")])
        #expect(missing.status == 1 && missing.stderr.contains("invalid response status 404"), "\(missing)")

        let local = swrun.build([try swrun.buildContext("add-local", dockerfile: "FROM busybox\nADD --checksum=\(wrong) Dockerfile /\n")])
        #expect(local.status == 1 && local.stderr.contains("checksum requires HTTP(S) or Git sources"), "\(local)")
    }

    func sha256Hex(_ text: String) -> String {
        let result = Host.run("/usr/bin/sha256sum", [], stdin: Data(text.utf8))
        return String(result.stdout.prefix(64))
    }
}
