import Foundation
import Testing
@testable import SwrunLayer
@testable import SwrunImage
import SwrunDigest
import SwrunOCI

/// The parallel gzip writer `push` uses: its output must be one gzip stream that
/// every reader takes back to the exact input, whatever the chunking.
@Suite("gzip for push")
struct GzipCompressorTests {
    /// Compresses `bytes` through files and returns the gzip file's path and digest.
    func compress(_ bytes: [UInt8], in directory: String) throws -> (String, CompressedDigest) {
        let input = directory + "/in"
        let output = directory + "/out.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let inFD = open(input, O_RDONLY)
        let outFD = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer {
            close(inFD)
            close(outFD)
        }
        return (output, try GzipCompressor.compress(inputFD: inFD, outputFD: outFD))
    }

    func gunzip(_ path: String) throws -> (status: Int32, data: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    @Test("gzip -d gives back the input exactly (empty, one chunk, many chunks with a ragged end)",
          arguments: [0, 1000, GzipCompressor.chunkSize * 5 + 12345])
    func roundTrip(size: Int) throws {
        let directory = NSTemporaryDirectory() + "/gz-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Half random, half repetitive: both the stored and the deflated paths are taken.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<size).map { i in i % 2 == 0 ? UInt8.random(in: 0...255, using: &generator) : UInt8(i % 7) }
        let (path, written) = try compress(bytes, in: directory)
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Int64(file.count) == written.size)
        #expect(written.digest == Digest.sha256(of: Array(file)).string)
        let back = try gunzip(path)
        #expect(back.status == 0)
        #expect(Array(back.data) == bytes)
    }

    @Test("the compressed-twin record parses, and junk does not")
    func twinRecord() throws {
        let digest = Digest.sha256(of: Array("x".utf8))
        let parsed = try #require(ImageStore.parseCompressedRecord("\(digest) 42\n"))
        #expect(parsed.digest == digest && parsed.size == 42 && parsed.mediaType == MediaType.ociLayerTarGzip)
        #expect(ImageStore.parseCompressedRecord("sha256:zz 1") == nil)
        #expect(ImageStore.parseCompressedRecord("\(digest)") == nil)
    }

    @Test("--platform parses os/arch[/variant] and refuses the rest")
    func platformChoice() throws {
        let plain = try PlatformChoice(parsing: "linux/amd64")
        #expect(plain.os == "linux" && plain.architecture == "amd64" && plain.variant == nil)
        #expect(try PlatformChoice(parsing: "linux/arm64/v8").variant == "v8")
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d"] {
            #expect(throws: (any Error).self) { try PlatformChoice(parsing: bad) }
        }
    }
}
