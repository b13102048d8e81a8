extension ContainerNetworkFiles {
    /// Where docker reads the host's resolvers (libnetwork's `resolvconf.Path`): when
    /// /etc/resolv.conf (text `etcResolvConf`) names only systemd-resolved's stub
    /// 127.0.0.53, the file systemd-resolved writes with the real upstreams.
    public static func hostResolvConfPath(etcResolvConf: String) -> String {
        let servers = ResolvConf(parsing: etcResolvConf).nameServers
        return servers.count == 1 && servers[0].text == "127.0.0.53" ? "/run/systemd/resolve/resolv.conf" : "/etc/resolv.conf"
    }

    /// docker's container /etc/resolv.conf, built from the host's file text as docker 28
    /// does (header and trailing comments included):
    /// - `dns` (`--dns`) replaces the nameservers, `search` (`--dns-search`) the search
    ///   domains ("." alone means none), `options` (`--dns-option`) the options; other
    ///   lines of the host's file are kept.
    /// - Without `embeddedDNS` (the default bridge): unless `dns` is given, loopback
    ///   nameservers (127.0.0.0/8, ::1) are dropped, and IPv6 ones too when the network
    ///   has no IPv6; if none remain, docker's defaults (8.8.8.8, 8.8.4.4, and Google's
    ///   IPv6 pair when `ipv6`).
    /// - With `embeddedDNS` (a user network's DNS server address; docker writes
    ///   127.0.0.11, swrun the network's gateway, where aardvark-dns listens): that is
    ///   the only nameserver, the others become the server's upstreams (see
    ///   `upstreamServers`), and `ndots:0` is added unless a valid ndots is set.
    /// `hostPath` is only named in the comments.
    public static func resolvConf(
        hostFile: String, dns: [String], search: [String], options: [String], embeddedDNS: String?,
        ipv6: Bool = false, hostPath: String = "/etc/resolv.conf"
    ) -> String {
        var conf = ResolvConf(parsing: hostFile)
        if !dns.isEmpty {
            conf.nameServers = dns.compactMap { NetworkFileAddress($0) }
            conf.overrides.append("nameservers")
        }
        if !search.isEmpty {
            conf.search = search.filter { $0 != "." }
            conf.overrides.append("search")
        }
        if !options.isEmpty {
            conf.options = options
            conf.overrides.append("options")
            conf.ndotsFrom = conf.option("ndots") == nil ? nil : "override"
        }
        if let embeddedDNS {
            conf.transformForEmbeddedServer(embeddedDNS)
        } else {
            conf.transformForBridge(ipv6: ipv6)
        }
        return conf.generate(hostPath: hostPath)
    }

    /// The host's resolvers, as docker's embedded server (and aardvark-dns) forwards to
    /// them: the host file's valid nameservers in order, loopback ones kept (the server
    /// runs in the host's network namespace). For a container with `--dns`, its upstreams
    /// are those addresses instead.
    public static func upstreamServers(hostFile: String) -> [String] {
        ResolvConf(parsing: hostFile).nameServers.map(\.text)
    }
}

/// A resolv.conf as docker's libnetwork (`internal/resolvconf`) models it.
private struct ResolvConf {
    var nameServers: [NetworkFileAddress] = []
    var search: [String] = []
    var options: [String] = []
    /// Lines with directives docker does not know, kept verbatim.
    var other: [String] = []
    var invalidNameServers: [String] = []
    var overrides: [String] = []
    var transform: String?
    var warnings: [String] = []
    /// The upstreams of an embedded server, as docker lists them ("host(ADDR)" for the
    /// host's own, reached from its namespace).
    var externalServers: [String]?
    var ndotsFrom: String?
    /// The embedded server's address, the first nameserver line (docker's 127.0.0.11).
    var embeddedServer: String?

    init(parsing text: String) {
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{0B}" || $0 == "\u{0C}" || $0 == "\r" })
            guard let first = fields.first, !first.hasPrefix("#"), !first.hasPrefix(";") else { continue }
            switch first {
            case "nameserver":
                guard fields.count >= 2 else { continue }
                if let address = NetworkFileAddress(String(fields[1])) {
                    nameServers.append(address)
                } else {
                    invalidNameServers.append(String(fields[1]))
                }
            case "domain", "search":
                // Only the last one counts; "domain" is its obsolete name.
                guard fields.count >= 2 else { continue }
                search = fields.dropFirst().map(String.init)
            case "options":
                guard fields.count >= 2 else { continue }
                options += fields.dropFirst().map(String.init)
            default:
                other.append(line)
            }
        }
        if option("ndots") != nil { ndotsFrom = "host" }
    }

    /// The value of the last option named `name` ("" for a flag), nil when absent.
    func option(_ name: String) -> String? {
        for option in options.reversed() {
            let parts = option.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }

    /// docker's `TransformForLegacyNw`: the default bridge has no DNS server of its own.
    mutating func transformForBridge(ipv6: Bool) {
        transform = "legacy"
        guard !overrides.contains("nameservers") else { return }
        nameServers = nameServers.filter { !$0.isLoopback && (!$0.isIPv6 || ipv6) }
        if nameServers.isEmpty {
            let defaults = ["8.8.8.8", "8.8.4.4"] + (ipv6 ? ["2001:4860:4860::8888", "2001:4860:4860::8844"] : [])
            nameServers = defaults.compactMap { NetworkFileAddress($0) }
            warnings.append("Used default nameservers.")
        }
    }

    /// docker's `TransformForIntNS` with the options its resolver requires (`ndots:0`).
    mutating func transformForEmbeddedServer(_ server: String) {
        let fromHost = !overrides.contains("nameservers")
        externalServers = nameServers.map { fromHost ? "host(\($0.text))" : $0.text }
        nameServers = []
        embeddedServer = server
        options.removeAll { option in
            let parts = option.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == "ndots" else { return false }
            guard parts.count > 1, let value = Int(parts[1]), value >= 0 else { return true }
            return false
        }
        if option("ndots") == nil {
            options.append("ndots:0")
            ndotsFrom = "internal"
        }
        transform = "internal resolver"
        if externalServers?.isEmpty ?? true { warnings.append("NO EXTERNAL NAMESERVERS DEFINED") }
    }

    /// docker's `Generate(comments: true)`.
    func generate(hostPath: String) -> String {
        var text = """
            # Generated by Docker Engine.
            # This file can be edited; Docker Engine will not make further changes once it
            # has been modified.


            """
        if let embeddedServer { text += "nameserver \(embeddedServer)\n" }
        for server in nameServers { text += "nameserver \(server.text)\n" }
        if !search.isEmpty { text += "search " + search.joined(separator: " ") + "\n" }
        if !options.isEmpty { text += "options " + options.joined(separator: " ") + "\n" }
        if !other.isEmpty { text += other.joined(separator: "\n") + "\n" }
        text += "\n# Based on host file: '\(hostPath)'" + (transform.map { " (\($0))" } ?? "") + "\n"
        for warning in warnings { text += "# \(warning)\n" }
        if let externalServers, !externalServers.isEmpty {
            text += "# ExtServers: [" + externalServers.joined(separator: " ") + "]\n"
        }
        if !invalidNameServers.isEmpty {
            text += "# Invalid nameservers: [" + invalidNameServers.joined(separator: " ") + "]\n"
        }
        text += "# Overrides: [" + overrides.joined(separator: " ") + "]\n"
        if let ndotsFrom { text += "# Option ndots from: \(ndotsFrom)\n" }
        return text
    }
}
