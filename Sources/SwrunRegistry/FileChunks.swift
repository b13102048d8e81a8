#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import SwrunOS

/// A byte range of an open file as a sequence of buffers, read with `pread` one chunk
/// at a time as the HTTP client asks for more: an upload body that never holds more
/// than a chunk of a 200 MB layer in memory, and that can be replayed from the start.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let fd: Int32
    let start: Int64
    let end: Int64
    let chunkSize: Int
    let what: String
    /// Told the file offset reached after each chunk.
    let progress: @Sendable (Int64) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunks: FileChunks
        var offset: Int64

        mutating func next() async throws -> ByteBuffer? {
            guard offset < chunks.end else { return nil }
            let wanted = Int(Swift.min(Int64(chunks.chunkSize), chunks.end - offset))
            var buffer = ByteBufferAllocator().buffer(capacity: wanted)
            let fd = chunks.fd
            let at = offset
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { space -> Int in
                var total = 0
                while total < wanted {
                    let n = pread(fd, space.baseAddress! + total, wanted - total, off_t(at) + off_t(total))
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw SwrunError.system("\(chunks.what): read")
                    }
                    if n == 0 { break }
                    total += n
                }
                return total
            }
            guard count == wanted else {
                throw SwrunError(.corrupt, "\(chunks.what): file ended at \(at + Int64(count)) bytes, expected \(chunks.end)")
            }
            offset += Int64(count)
            chunks.progress(offset)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: self, offset: start) }
}
