import SwrunOS
/// An image reference, normalised the way docker does: `busybox` is
/// `docker.io/library/busybox:latest`.
public struct Reference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host, with its port: `docker.io`, `localhost:5000`.
    public let domain: String
    /// The repository path inside the registry: `library/busybox`, `x/y`.
    public let path: String
    /// The tag; `latest` when the input named neither a tag nor a digest.
    public let tag: String?
    /// The manifest digest after `@`, if any.
    public let digest: Digest?

    /// The registry docker uses for names without a domain.
    public static let defaultDomain = "docker.io"
    static let legacyDefaultDomain = "index.docker.io"
    static let officialRepositoryPrefix = "library/"
    static let maximumNameLength = 255

    public init(domain: String, path: String, tag: String?, digest: Digest?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// Parses and normalises `name[:tag][@digest]`. A name with neither tag nor digest
    /// gets the tag `latest`. Malformed input throws "invalid reference format: X".
    public init(parsing input: String) throws {
        func invalid(_ detail: String? = nil) -> SwrunError {
            SwrunError(.invalidArgument, "invalid reference format: \(detail ?? input)")
        }
        guard !input.isEmpty else { throw invalid("empty name") }

        var remainder = Substring(input)
        var digest: Digest?
        if let at = remainder.firstIndex(of: "@") {
            do {
                digest = try Digest(parsing: String(remainder[remainder.index(after: at)...]))
            } catch {
                throw invalid()
            }
            remainder = remainder[..<at]
        }

        var tag: String?
        if let colon = remainder.lastIndex(of: ":"),
           !remainder[colon...].contains("/") {
            let candidate = String(remainder[remainder.index(after: colon)...])
            guard Reference.isValidTag(candidate) else { throw invalid() }
            tag = candidate
            remainder = remainder[..<colon]
        }

        let (domain, path) = Reference.splitDomain(String(remainder))
        guard Reference.isValidDomain(domain) else { throw invalid() }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for component in components where !Reference.isValidPathComponent(component) {
            if component.contains(where: { $0.isUppercase }) {
                throw invalid("repository name (\(path)) must be lowercase")
            }
            throw invalid()
        }
        guard domain.utf8.count + 1 + path.utf8.count <= Reference.maximumNameLength else {
            throw invalid("repository name must not be more than \(Reference.maximumNameLength) characters")
        }
        self.init(domain: domain, path: path, tag: tag ?? (digest == nil ? "latest" : nil), digest: digest)
    }

    /// `domain/path`: the normalised repository name.
    public var repository: String { "\(domain)/\(path)" }

    /// The repository as docker shows it: `busybox`, `localhost:5000/x`, `quay.io/a/b`.
    public var familiarRepository: String {
        guard domain == Reference.defaultDomain else { return repository }
        if path.hasPrefix(Reference.officialRepositoryPrefix) {
            let rest = path.dropFirst(Reference.officialRepositoryPrefix.count)
            if !rest.contains("/") { return String(rest) }
        }
        return path
    }

    /// The reference as docker shows it: `busybox:latest`, `localhost:5000/x:tag`.
    public var familiarName: String { familiarRepository + suffix }

    /// The fully normalised reference: `docker.io/library/busybox:latest`.
    public var fullName: String { repository + suffix }

    public var description: String { fullName }

    private var suffix: String {
        var text = ""
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.string }
        return text
    }

    /// Splits `name` into domain and path as docker's `splitDockerDomain` does.
    static func splitDomain(_ name: String) -> (String, String) {
        var domain: String
        var path: String
        if let slash = name.firstIndex(of: "/") {
            let first = String(name[..<slash])
            if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
                domain = first
                path = String(name[name.index(after: slash)...])
            } else {
                domain = defaultDomain
                path = name
            }
        } else {
            domain = defaultDomain
            path = name
        }
        if domain == legacyDefaultDomain { domain = defaultDomain }
        if domain == defaultDomain && !path.contains("/") { path = officialRepositoryPrefix + path }
        return (domain, path)
    }

    /// `[\w][\w.-]{0,127}`.
    static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128, isWordByte(first) else { return false }
        return bytes.allSatisfy { isWordByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
    static func isValidPathComponent<S: StringProtocol>(_ component: S) -> Bool {
        var separator: [UInt8] = []
        var sawAlphanumeric = false
        for byte in component.utf8 {
            if isLowerAlphanumeric(byte) {
                if !separator.isEmpty {
                    guard sawAlphanumeric, isValidSeparator(separator) else { return false }
                    separator.removeAll()
                }
                sawAlphanumeric = true
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") {
                separator.append(byte)
            } else {
                return false
            }
        }
        return sawAlphanumeric && separator.isEmpty
    }

    private static func isValidSeparator(_ separator: [UInt8]) -> Bool {
        if separator == [UInt8(ascii: ".")] || separator == [UInt8(ascii: "_")] { return true }
        if separator == [UInt8(ascii: "_"), UInt8(ascii: "_")] { return true }
        return separator.allSatisfy { $0 == UInt8(ascii: "-") }
    }

    /// A host name or `[IPv6]`, with an optional `:port`.
    static func isValidDomain(_ domain: String) -> Bool {
        var host = Substring(domain)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let address = host[host.index(after: host.startIndex)..<close]
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return false
            }
            let rest = host[host.index(after: close)...]
            if rest.isEmpty { return true }
            guard rest.hasPrefix(":") else { return false }
            return isValidPort(rest.dropFirst())
        }
        if let colon = host.lastIndex(of: ":") {
            guard isValidPort(host[host.index(after: colon)...]) else { return false }
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard let first = label.utf8.first, let last = label.utf8.last else { return false }
            return isAlphanumeric(first) && isAlphanumeric(last)
                && label.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isValidPort(_ port: Substring) -> Bool {
        !port.isEmpty && port.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (byte >= 0x41 && byte <= 0x5a)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "_")
    }
}
