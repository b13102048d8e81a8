/// One network's file in aardvark-dns's config directory, in the format aardvark-dns
/// 1.4.0 reads (`src/config/mod.rs`) and netavark 1.4.0 writes (`src/dns/aardvark.rs`).
/// The file is named after the network; its lines, split on single spaces:
///
///     GATEWAY[,GATEWAY…][ NETWORK_RESOLVER,…]
///     CONTAINER_ID IPV4[,IPV4…] IPV6[,IPV6…] NAME[,NAME…][ RESOLVER,…]
///
/// The first line lists the addresses the server listens on for this network; each
/// other line is one container: its addresses (either list may be empty, leaving two
/// spaces), the names it answers to (lowercased by the server) and, optionally, where
/// the server forwards that container's queries for other names (else the network's
/// resolvers, else the server's own /etc/resolv.conf). swrun writes no network
/// resolvers: each container carries its own.
struct AardvarkNetworkFile {
    var gateways: [String]
    /// The container lines, each with its ID (the first field), in file order.
    private(set) var entries: [(containerID: String, line: String)]

    init(gateways: [String]) {
        self.gateways = gateways
        self.entries = []
    }

    /// Reads a file this type wrote (or netavark did); lines without an ID are dropped.
    init(parsing text: String) {
        let lines = text.split(separator: "\n").map(String.init)
        gateways = lines.first.map { $0.split(separator: " ", maxSplits: 1)[0].split(separator: ",").map(String.init) } ?? []
        entries = lines.dropFirst().compactMap { line in
            guard let id = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).first, !id.isEmpty else {
                return nil
            }
            return (String(id), line)
        }
    }

    /// Adds the container's line, replacing any line it had.
    mutating func setEntry(containerID: String, ipv4: [String], ipv6: [String], names: [String], upstreams: [String]) {
        removeEntry(containerID: containerID)
        var line = [containerID, ipv4.joined(separator: ","), ipv6.joined(separator: ","), names.joined(separator: ",")]
        if !upstreams.isEmpty { line.append(upstreams.joined(separator: ",")) }
        entries.append((containerID, line.joined(separator: " ")))
    }

    /// Removes the container's line; false when it had none.
    @discardableResult
    mutating func removeEntry(containerID: String) -> Bool {
        let before = entries.count
        entries.removeAll { $0.containerID == containerID }
        return entries.count != before
    }

    var text: String {
        ([gateways.joined(separator: ",")] + entries.map(\.line)).map { $0 + "\n" }.joined()
    }
}
