import Foundation

/// What the client has learned about each registry host's auth: the last challenge it
/// answered with, and the Bearer tokens it holds per (host, scope).
///
/// Shared by every request of one client, so a pull of ten layers asks the token
/// server once, not ten times; an actor because those requests run concurrently.
actor TokenCache {
    struct Key: Hashable {
        let host: String
        let scope: String
    }

    private struct Entry {
        let token: String
        let expires: Date
    }

    private var challenges: [String: AuthChallenge] = [:]
    private var tokens: [Key: Entry] = [:]

    /// Tokens are renewed this long before the server says they expire, so one does
    /// not lapse between being read here and reaching the registry.
    static let expiryMargin: TimeInterval = 5
    /// The lifetime the token spec assumes when a server omits `expires_in`.
    static let defaultLifetime: TimeInterval = 60

    func challenge(for host: String) -> AuthChallenge? { challenges[host] }

    func setChallenge(_ challenge: AuthChallenge, for host: String) { challenges[host] = challenge }

    /// A token for `key` that is still valid, if one is held.
    func token(for key: Key, now: Date = Date()) -> String? {
        guard let entry = tokens[key] else { return nil }
        guard entry.expires > now else {
            tokens[key] = nil
            return nil
        }
        return entry.token
    }

    /// Holds `token` for `expiresIn` seconds (the default lifetime when nil or absurd).
    func store(_ token: String, for key: Key, expiresIn: TimeInterval?, now: Date = Date()) {
        let lifetime = expiresIn.flatMap { $0 > 0 ? $0 : nil } ?? TokenCache.defaultLifetime
        tokens[key] = Entry(token: token, expires: now + max(1, lifetime - TokenCache.expiryMargin))
    }

    /// Forgets `key`'s token: the registry refused it.
    func invalidate(_ key: Key) { tokens[key] = nil }
}
