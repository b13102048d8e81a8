import Foundation
import Testing
import SwrunDigest
@testable import SwrunOCI
@testable import SwrunOS
@testable import SwrunRegistry

/// A blob server (python3's http.server) that breaks the first transfer halfway, to
/// exercise `fetchBlob`'s resumption; it logs each request's Range header.
final class BreakingBlobServer: @unchecked Sendable {
    static let script = #"""
    import http.server, socket, sys
    data = open(sys.argv[1], 'rb').read()
    mode, log = sys.argv[2], sys.argv[3]
    count = [0]
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        def log_message(self, *args): pass
        def do_GET(self):
            if self.path == '/v2/':
                self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'{}'); return
            count[0] += 1
            rng = self.headers.get('Range')
            with open(log, 'a') as f: f.write((rng or 'none') + '\n')
            if count[0] == 1:
                self.send_response(200); self.send_header('Content-Length', str(len(data))); self.end_headers()
                self.wfile.write(data[:len(data) // 2]); self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR); self.close_connection = True
                return
            if rng and mode == 'resume':
                start = int(rng.split('=')[1].rstrip('-'))
                self.send_response(206)
                self.send_header('Content-Range', 'bytes %d-%d/%d' % (start, len(data) - 1, len(data)))
                self.send_header('Content-Length', str(len(data) - start)); self.end_headers(); self.wfile.write(data[start:])
            else:
                self.send_response(200); self.send_header('Content-Length', str(len(data))); self.end_headers(); self.wfile.write(data)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#

    let process = Process()
    let port: Int
    let logPath: String

    init(blobPath: String, mode: String, logPath: String) throws {
        self.logPath = logPath
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", BreakingBlobServer.script, blobPath, mode, logPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw SwrunError(.system, "blob server did not start")
        }
        self.port = port
    }

    var ranges: [String] {
        ((try? FileIO.readString(logPath)) ?? "").split(separator: "\n").map(String.init)
    }

    /// SIGKILL: the test runner's children may inherit SIGTERM blocked.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

@Suite("Registry blob fetch resumption", .serialized)
struct RegistryResumeTests {
    @Test(arguments: [("resume", true), ("ignore-range", false)])
    func brokenTransferIsResumedOrRestarted(mode: String, resumes: Bool) async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/swrun-resume-\(UUID().uuidString)"
        try FileIO.makeDirectories(directory)
        defer { try? FileIO.removeTree(directory) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<1_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try FileIO.writeFile(directory + "/blob", bytes: bytes)
        let descriptor = Descriptor(mediaType: MediaType.ociLayerTarGzip, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
        let server = try BreakingBlobServer(blobPath: directory + "/blob", mode: mode, logPath: directory + "/log")
        defer { server.stop() }

        let client = RegistryClient(registry: "127.0.0.1:\(server.port)")
        let fd = open(directory + "/out", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        do {
            try await client.fetchBlob(repository: "a/b", descriptor: descriptor, to: fd)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        #expect(try FileIO.readFile(directory + "/out") == bytes)
        let ranges = server.ranges
        #expect(ranges.count == 2)
        #expect(ranges.first == "none")
        if resumes {
            #expect(ranges.last?.hasPrefix("bytes=") == true)
            #expect(ranges.last != "bytes=0-")
        }
    }
}
