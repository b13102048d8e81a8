#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SwrunOS

/// Registry credentials in docker's `auth.json` format:
/// `{"auths": {"HOST": {"auth": base64("user:pass")}}}`.
///
/// The same file podman, skopeo and buildah read, so a `login` with any of them works
/// for all. Keys this type does not know (other tools' settings, `credHelpers`,
/// per-entry fields) are kept as they were when the file is rewritten.
public struct CredentialStore: Sendable {
    /// The file holding the credentials.
    public let path: String

    /// The key docker.io's credentials are stored under.
    static let dockerHubKey = "docker.io"
    /// The key docker itself uses for docker.io, read as a fallback.
    static let dockerHubLegacyKey = "https://index.docker.io/v1/"

    /// The store at `path`; else `$REGISTRY_AUTH_FILE` (as podman honours it); else
    /// `$HOME/.config/swrun/auth.json`.
    public init(path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let path, !path.isEmpty {
            self.path = path
        } else if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty {
            self.path = file
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
            self.path = home + "/.config/swrun/auth.json"
        }
    }

    /// The credentials held for `host` (a reference's domain), or nil.
    public func credentials(for host: String) throws -> Credentials? {
        let auths = try load()["auths"] as? [String: Any] ?? [:]
        for key in CredentialStore.lookupKeys(for: host) {
            guard let entry = auths[key] as? [String: Any] else { continue }
            if let credentials = try decode(entry, key: key) { return credentials }
        }
        return nil
    }

    /// Stores `username`/`password` for `host`, replacing any held before.
    public func set(host: String, username: String, password: String) throws {
        guard !username.contains(":") else {
            throw SwrunError(.invalidArgument, "credentials for \(host): user name must not contain ':'")
        }
        var document = try load()
        var auths = document["auths"] as? [String: Any] ?? [:]
        let key = CredentialStore.storageKey(for: host)
        var entry = auths[key] as? [String: Any] ?? [:]
        entry["auth"] = Data("\(username):\(password)".utf8).base64EncodedString()
        entry["username"] = nil
        entry["password"] = nil
        auths[key] = entry
        document["auths"] = auths
        try save(document)
    }

    /// Forgets `host`'s credentials (under every key it may have); false if there
    /// were none.
    @discardableResult
    public func remove(host: String) throws -> Bool {
        var document = try load()
        guard var auths = document["auths"] as? [String: Any] else { return false }
        var removed = false
        for key in CredentialStore.lookupKeys(for: host) where auths[key] != nil {
            auths[key] = nil
            removed = true
        }
        guard removed else { return false }
        document["auths"] = auths
        try save(document)
        return true
    }

    /// The key `set` writes: docker.io under its short name, others as given.
    static func storageKey(for host: String) -> String {
        RegistryConfig.isDockerHub(normalizedHost(host)) ? dockerHubKey : normalizedHost(host)
    }

    /// The keys read for `host`, in order: its own, then the spellings other tools
    /// write (`https://host`, docker's legacy docker.io URL).
    static func lookupKeys(for host: String) -> [String] {
        let host = normalizedHost(host)
        if RegistryConfig.isDockerHub(host) {
            return [dockerHubKey, dockerHubLegacyKey, "index.docker.io", "registry-1.docker.io", "https://index.docker.io"]
        }
        return [host, "https://\(host)", "http://\(host)"]
    }

    /// `https://host/v1/` → `host`: the form users paste.
    static func normalizedHost(_ host: String) -> String {
        var text = Substring(host.trimmingCharacters(in: .whitespaces))
        for prefix in ["https://", "http://"] where text.hasPrefix(prefix) { text = text.dropFirst(prefix.count) }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        return String(text)
    }

    private func decode(_ entry: [String: Any], key: String) throws -> Credentials? {
        if let auth = entry["auth"] as? String, !auth.isEmpty {
            guard let data = Data(base64Encoded: auth), let text = String(data: data, encoding: .utf8),
                  let colon = text.firstIndex(of: ":") else {
                throw SwrunError(.corrupt, "credentials \(path): entry \(key): invalid auth value")
            }
            return Credentials(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if let username = entry["username"] as? String, let password = entry["password"] as? String {
            return Credentials(username: username, password: password)
        }
        return nil
    }

    /// The whole document; a missing file is an empty one.
    private func load() throws -> [String: Any] {
        guard FileIO.exists(path) else { return [:] }
        let bytes = try FileIO.readFile(path)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x09 || $0 == 0x0d }) { return [:] }
        guard let document = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw SwrunError(.corrupt, "credentials \(path): invalid JSON")
        }
        return document
    }

    /// Writes `document` to a temporary file in the same directory and renames it
    /// over the old one, so a crash never leaves a half-written file; mode 0600
    /// because it holds passwords, the directory 0700 when created here.
    private func save(_ document: [String: Any]) throws {
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw SwrunError(.internalError, "credentials \(path): encode: \(error)")
        }
        try FileIO.makeDirectories(FileIO.parentPath(path), mode: 0o700)
        do {
            try FileIO.writeDurably(at: path, mode: 0o600) { fd in
                // 0600 whatever the umask: the file holds passwords.
                guard fchmod(fd, 0o600) == 0 else { throw SwrunError.system("chmod \(path)") }
                try FileIO.writeAll(fd, Array(data) + [0x0a], step: "write \(path)")
            }
        } catch let error as SwrunError {
            throw SwrunError(error.code, "credentials: \(error.message)", errno: error.errno)
        }
    }
}
