import Glibc
import SwrunDigest
import SwrunDockerfile
import SwrunOCI
import SwrunOS

/// `ADD <http(s) URL> dest`, as BuildKit does it: the body becomes one file named
/// after the URL's path (mode 0600, root's, mtime from Last-Modified), never
/// extracted; `--checksum` is verified. It is fetched at every build: the step's
/// cache key is the fetched file's digest, like a context file's.
extension BuildSession {
    /// An http(s) URL that is not a Git repository.
    static func isHTTPSource(_ source: String) -> Bool {
        (source.hasPrefix("http://") || source.hasPrefix("https://")) && !isGitSource(source)
    }

    /// BuildKit takes these as Git repositories (`ADD` of a Git URL).
    static func isGitSource(_ source: String) -> Bool {
        if source.hasPrefix("git@") || source.hasPrefix("git://") { return true }
        let beforeFragment = source.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return beforeFragment.hasSuffix(".git")
    }

    /// Checks the flags that only URL sources take (BuildKit's words).
    func checkChecksum(_ copy: CopyInstruction, add: Bool) throws {
        guard copy.checksum != nil else { return }
        guard add else { throw SwrunError(.invalidArgument, "checksum can't be specified for COPY") }
        guard copy.sources.count == 1 else { throw SwrunError(.invalidArgument, "checksum can't be specified for multiple sources") }
        guard Self.isHTTPSource(copy.sources[0]) else { throw SwrunError(.invalidArgument, "checksum requires HTTP(S) or Git sources") }
    }

    /// Fetches every source of the ADD (all URLs) into a scratch directory: source i is
    /// `i/<name>` there.
    func fetchedSources(of copy: CopyInstruction) throws -> CopySources {
        if let git = copy.sources.first(where: Self.isGitSource) {
            throw SwrunError(.unsupported, "ADD of a Git repository (\(git)) is not supported")
        }
        guard copy.sources.allSatisfy(Self.isHTTPSource) else {
            throw SwrunError(.unsupported, "ADD of URLs and local files in one instruction is not supported")
        }
        guard let fetch = builder.fetchURL else { throw SwrunError(.unsupported, "ADD of a URL needs a network client") }
        let expected = try copy.checksum.map { text in
            do { return try Digest(parsing: text) } catch { throw SwrunError(.invalidArgument, "invalid checksum digest format") }
        }
        let root = try scratchDirectory("url")
        do {
            var sources: [ContextSource] = []
            for (index, url) in copy.sources.enumerated() {
                let name = Self.fileName(of: url)
                try FileIO.makeDirectories(root + "/\(index)")
                let path = root + "/\(index)/" + name
                let lastModified = try fetch(url, path)
                if let expected {
                    let got = try Self.digest(ofFile: path, algorithm: expected.algorithm)
                    guard got == expected else {
                        throw SwrunError(.invalidArgument, "digest mismatch for \(url): \(got.string) (expected: \(expected.string))")
                    }
                }
                if let seconds = lastModified.flatMap(Self.httpDate) {
                    var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
                    guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw SwrunError.system("utimensat \(path)") }
                }
                sources.append(ContextSource(path: "\(index)/" + name, isDirectory: false))
            }
            return CopySources(root: root, sources: sources, ignore: try IgnorePatterns(parsing: ""), fromImage: nil, scratch: root)
        } catch {
            try? FileIO.removeTree(root)
            throw error
        }
    }

    /// The file's name: the URL path's last element (percent-decoded), else `__unnamed__`.
    static func fileName(of url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        rest = rest.prefix { $0 != "?" && $0 != "#" }
        guard let slash = rest.firstIndex(of: "/") else { return "__unnamed__" }
        let path = rest[slash...]
        let base = path.split(separator: "/").last.map { percentDecoded(String($0)) } ?? ""
        return base.isEmpty || base == "." || base == ".." || base.contains("/") ? "__unnamed__" : base
    }

    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A file's sha256 digest (the only algorithm the store has).
    static func digest(ofFile path: String, algorithm: String) throws -> Digest {
        guard algorithm == "sha256" else { throw SwrunError(.unsupported, "unsupported checksum algorithm \(algorithm)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        var hasher = DigestHasher()
        try FileIO.readChunks(fd, step: "read \(path)") { hasher.update($0) }
        return hasher.finalize()
    }

    /// An HTTP date (`Mon, 02 Jan 2006 15:04:05 GMT`) as seconds since the epoch.
    static func httpDate(_ text: String) -> Int? {
        let fields = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard fields.count == 6, fields[5] == "GMT", let day = Int32(fields[1]), let month = months.firstIndex(of: String(fields[2])),
              let year = Int32(fields[3]) else { return nil }
        let clock = fields[4].split(separator: ":").compactMap { Int32($0) }
        guard clock.count == 3 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(month)
        parts.tm_mday = day
        parts.tm_hour = clock[0]
        parts.tm_min = clock[1]
        parts.tm_sec = clock[2]
        return timegm(&parts)
    }
}
