import CZlib
import Crypto
import Dispatch
import Glibc
import SwrunOS

/// What `GzipCompressor.compress` wrote.
public struct CompressedDigest: Sendable, Equatable {
    /// "sha256:<hex>" of the gzip bytes: the blob digest a registry sees.
    public let digest: String
    /// Bytes written.
    public let size: Int64
}

/// gzip for pushing layers, on every core: the input is cut into 4 MiB chunks, each
/// deflated on its own into a complete gzip member, and the members are written in
/// order. A concatenation of members is one valid gzip stream (RFC 1952 §2.2), read
/// as such by Go's compress/gzip (podman, skopeo, docker), zlib and libarchive. It
/// costs well under 1% in size against one member, and scales with cores, which
/// single-stream deflate cannot.
public enum GzipCompressor {
    static let chunkSize = 4 << 20

    /// Compresses everything readable from `inputFD` into `outputFD` at `level`
    /// (1 fastest … 9 smallest), hashing the output on its way out.
    public static func compress(inputFD: Int32, outputFD: Int32, level: Int32 = 1) throws -> CompressedDigest {
        let workers = max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        var hasher = SHA256()
        var total: Int64 = 0
        var atEnd = false
        while !atEnd {
            // One batch: a chunk per worker, read in order, deflated in parallel.
            var inputs: [[UInt8]] = []
            for _ in 0..<workers {
                let chunk = try readChunk(inputFD)
                if chunk.isEmpty {
                    atEnd = true
                    break
                }
                inputs.append(chunk)
            }
            if inputs.isEmpty { break }
            let outputs = Slots(count: inputs.count)
            defer { outputs.free() }
            let frozen = inputs
            DispatchQueue.concurrentPerform(iterations: frozen.count) { position in
                outputs.set(position, Result { () throws(SwrunError) in try deflateMember(frozen[position], level: level) })
            }
            for output in outputs.values {
                let bytes = try output.get()
                bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                try FileIO.writeAll(outputFD, bytes, step: "write compressed layer")
                total += Int64(bytes.count)
            }
        }
        if total == 0 {
            // An empty input still makes one (empty) member: a gzip file has at least one.
            let empty = try deflateMember([], level: level)
            empty.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            try FileIO.writeAll(outputFD, empty, step: "write compressed layer")
            total = Int64(empty.count)
        }
        return CompressedDigest(digest: hasher.finalizeDigestString(), size: total)
    }

    /// One result slot per worker: each written by exactly one worker, read only
    /// after `concurrentPerform` has returned, hence unchecked.
    private struct Slots: @unchecked Sendable {
        let base: UnsafeMutablePointer<Result<[UInt8], SwrunError>>
        let count: Int

        init(count: Int) {
            base = .allocate(capacity: count)
            self.count = count
        }

        func set(_ position: Int, _ value: Result<[UInt8], SwrunError>) { (base + position).initialize(to: value) }

        var values: UnsafeBufferPointer<Result<[UInt8], SwrunError>> { UnsafeBufferPointer(start: base, count: count) }

        func free() {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    /// Up to `chunkSize` bytes; empty at the end of the input.
    private static func readChunk(_ fd: Int32) throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var filled = 0
        while filled < chunkSize {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, chunkSize - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("read layer for compression")
            }
            if count == 0 { break }
            filled += count
        }
        chunk.removeLast(chunkSize - filled)
        return chunk
    }

    /// One complete gzip member (header, deflate stream, CRC-32 and length) of `input`.
    static func deflateMember(_ input: [UInt8], level: Int32) throws(SwrunError) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: write a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw SwrunError(.internalError, "gzip: deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var input = input
        let status = input.withUnsafeMutableBytes { inputBytes in
            output.withUnsafeMutableBytes { outputBytes in
                stream.next_in = inputBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(inputBytes.count)
                stream.next_out = outputBytes.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outputBytes.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw SwrunError(.internalError, "gzip: deflate returned \(status)") }
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }
}
