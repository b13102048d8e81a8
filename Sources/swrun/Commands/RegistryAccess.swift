import ArgumentParser
import SwrunOCI
import SwrunOS
import SwrunRegistry

/// Options of the commands that talk to a registry.
struct RegistryOptions: ParsableArguments {
    @Option(name: .long, help: "Credentials file (default: $REGISTRY_AUTH_FILE or ~/.config/swrun/auth.json).")
    var authfile: String?

    var credentialStore: CredentialStore { CredentialStore(path: authfile) }

    /// A client for `registry` with the user's config and stored credentials.
    func client(for registry: String, global: GlobalOptions) throws -> RegistryClient {
        try Self.client(for: registry, global: global, authfile: authfile)
    }

    /// A client for commands without registry options (`run` pulling a missing image).
    static func client(for registry: String, global: GlobalOptions, authfile: String? = nil) throws -> RegistryClient {
        let config = try RegistryConfig.load(path: global.configPath)
        return try RegistryClient(registry: registry, config: config, credentialStore: CredentialStore(path: authfile))
    }
}

extension RegistryClient {
    /// `shutdown()` from synchronous code, for a `defer` in a command.
    func shutdownBlocking() {
        _ = try? runBlocking { await self.shutdown() }
    }
}

/// A registry as the user names it for `login`, `logout` and `search`: a host with
/// an optional port, maybe written as a URL (`https://host:5000/v2/`).
func registryHost(_ text: String) throws -> String {
    var host = Substring(text)
    for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = host.dropFirst(scheme.count) }
    if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
    guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "@" }) else {
        throw SwrunError(.invalidArgument, "invalid registry \"\(text)\"")
    }
    let name = String(host).lowercased()
    return name == "index.docker.io" || name == "registry-1.docker.io" ? Reference.defaultDomain : name
}
