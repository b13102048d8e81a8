/// One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…"`.
public struct AuthChallenge: Hashable, Sendable {
    /// The scheme, lowercased: `bearer` or `basic`.
    public var scheme: String
    /// The auth-params, names lowercased, values unquoted.
    public var parameters: [String: String]

    public init(scheme: String, parameters: [String: String] = [:]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    /// The `realm` parameter: for Bearer, the token server's URL.
    public var realm: String? { parameters["realm"] }

    /// Parses every challenge in a header value (RFC 7235): a scheme token followed by
    /// comma-separated `name=value` or `name="quoted, value"` pairs; a token not
    /// followed by `=` starts the next challenge. Quoted values keep their commas and
    /// `\"` escapes. Garbage is skipped rather than thrown: a registry's odd header
    /// must not hide the 401 it came with.
    public static func parse(_ header: String) -> [AuthChallenge] {
        var scanner = HeaderScanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: ",") }
            guard let token = scanner.token() else {
                if scanner.atEnd { break }
                scanner.advance()
                continue
            }
            scanner.skipSpaces()
            if scanner.peek == UInt8(ascii: "="), var current = challenges.popLast() {
                // A parameter of the current challenge.
                scanner.advance()
                scanner.skipSpaces()
                current.parameters[token.lowercased()] = scanner.value()
                challenges.append(current)
            } else {
                challenges.append(AuthChallenge(scheme: token))
                // A token68 (`Basic abc==`) right after the scheme is not a parameter.
                if let param = scanner.token() {
                    scanner.skipSpaces()
                    if scanner.peek == UInt8(ascii: "=") {
                        scanner.advance()
                        scanner.skipSpaces()
                        challenges[challenges.count - 1].parameters[param.lowercased()] = scanner.value()
                    } else {
                        scanner.skip { $0 == UInt8(ascii: "=") }
                    }
                }
            }
        }
        return challenges
    }

    /// The challenge swrun answers from all `WWW-Authenticate` headers: Bearer over
    /// Basic (Bearer scopes the grant to one repository), ignoring schemes it lacks.
    public static func preferred(from headers: [String]) -> AuthChallenge? {
        let all = headers.flatMap { parse($0) }
        return all.first { $0.scheme == "bearer" } ?? all.first { $0.scheme == "basic" }
    }
}

/// A cursor over header bytes with the RFC 7230 token and quoted-string rules.
struct HeaderScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }

    mutating func advance() { index += 1 }

    mutating func skip(while predicate: (UInt8) -> Bool) {
        while let byte = peek, predicate(byte) { index += 1 }
    }

    mutating func skipSpaces() {
        skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    /// A token: letters, digits and `!#$%&'*+-.^_`|~`.
    mutating func token() -> String? {
        let start = index
        skip { HeaderScanner.isTokenByte($0) }
        guard index > start else { return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A quoted string (unescaped) or a bare token up to the next comma.
    mutating func value() -> String {
        guard peek == UInt8(ascii: "\"") else {
            let start = index
            skip { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        advance()
        var out: [UInt8] = []
        while let byte = peek {
            advance()
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\"), let escaped = peek {
                advance()
                out.append(escaped)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
