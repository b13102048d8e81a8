import Foundation

/// URLs a registry hands back — upload `Location`s, redirects, `Link` pages — which
/// may be absolute, host-relative, or already carry a query string.
public enum RegistryURL {
    /// `reference` resolved against the absolute URL `base` (RFC 3986): an absolute
    /// reference is kept, `/path?q` takes `base`'s scheme and host.
    public static func resolve(_ reference: String, against base: String) -> String? {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, let baseURL = URL(string: base),
              let url = URL(string: trimmed, relativeTo: baseURL) else { return nil }
        return url.absoluteString
    }

    /// `url` with `name=value` added to its query (`?` or `&` as needed), the value
    /// percent-encoded so `sha256:…` and repository names survive.
    public static func appendingQuery(_ url: String, _ name: String, _ value: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;#?/:")
        let encoded = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
        let (head, fragment) = splitFragment(url)
        let separator = head.contains("?") ? (head.hasSuffix("?") || head.hasSuffix("&") ? "" : "&") : "?"
        return head + separator + name + "=" + encoded + fragment
    }

    /// The target of the `rel="next"` entry of a `Link` header, as written (maybe
    /// relative): `</v2/_catalog?last=b&n=2>; rel="next"`.
    public static func nextLink(_ header: String) -> String? {
        for entry in splitLinkEntries(header) {
            guard let open = entry.firstIndex(of: "<"), let close = entry[open...].firstIndex(of: ">") else { continue }
            let target = String(entry[entry.index(after: open)..<close])
            let params = entry[entry.index(after: close)...].split(separator: ";")
            for param in params {
                let pair = param.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0].lowercased() == "rel" else { continue }
                let rels = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased().split(separator: " ")
                if rels.contains("next") { return target }
            }
        }
        return nil
    }

    /// `host[:port]` of an absolute URL, lowercased; brackets kept for IPv6.
    public static func authority(of url: String) -> String? {
        guard let components = URLComponents(string: url), var host = components.host, !host.isEmpty else { return nil }
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        host = host.lowercased()
        if let port = components.port { return "\(host):\(port)" }
        return host
    }

    /// Splits a `Link` header on the commas between entries, not those inside `<…>`
    /// or quotes.
    private static func splitLinkEntries(_ header: String) -> [Substring] {
        var entries: [Substring] = []
        var start = header.startIndex
        var inAngle = false
        var inQuote = false
        var index = header.startIndex
        while index < header.endIndex {
            switch header[index] {
            case "<" where !inQuote: inAngle = true
            case ">" where !inQuote: inAngle = false
            case "\"" where !inAngle: inQuote.toggle()
            case "," where !inAngle && !inQuote:
                entries.append(header[start..<index])
                start = header.index(after: index)
            default: break
            }
            index = header.index(after: index)
        }
        entries.append(header[start...])
        return entries
    }

    private static func splitFragment(_ url: String) -> (String, String) {
        guard let hash = url.firstIndex(of: "#") else { return (url, "") }
        return (String(url[..<hash]), String(url[hash...]))
    }
}
