import Foundation
import SwrunOS

/// Where `save -o` and `export -o` write: a new or regular file is replaced through
/// `FileIO.writeDurably`, so a failed command leaves no partial archive, as docker's
/// CLI does; an existing non-regular file (`-o /dev/null`, a FIFO) is written
/// directly, never renamed over.
enum OutputFile {
    static func write(_ path: String, _ body: (Int32) throws -> Void) throws {
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SwrunError.system("open \(path)") }
            defer { close(fd) }
            try body(fd)
            return
        }
        try FileIO.writeDurably(at: path, body)
    }
}
