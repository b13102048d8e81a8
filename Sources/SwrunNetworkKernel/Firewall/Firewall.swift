import CNftables
import FoundationEssentials
import Glibc
import SwrunOS

/// swrun's firewall in one network namespace, through libnftables: the tables `ip swrun`
/// and `ip6 swrun` (see `Firewall+Ruleset.swift`), each made with the first network of
/// its family and deleted with the last, and the elements that networks and published
/// ports add to them. Each change is one nft transaction; no other table is read or
/// touched.
///
/// Adds that race each other (two first containers at once) are safe: a table is
/// made once. Removing the last network of a family reads the `bridges` set, then
/// deletes the table: a network added by another process in between would go with
/// it, so callers hold the network store's lock across `remove(network:)`.
public final class Firewall {
    private let context: OpaquePointer
    /// Tests: make `ip6 swrun` as on a kernel that refuses IPv6 NAT.
    var refusesIPv6NAT = false

    /// A libnftables context bound to the namespace pinned at `namespace` (nil: the
    /// caller's own). libnftables opens its one netlink socket when the context is
    /// made, so the context is made inside the namespace and talks to it from then on,
    /// whatever thread uses it.
    public init(namespace: String?) throws {
        let open = { () throws -> OpaquePointer in
            guard let context = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
                throw SwrunError(.system, "nft_ctx_new: no libnftables context")
            }
            nft_ctx_buffer_output(context)
            nft_ctx_buffer_error(context)
            return context
        }
        if let namespace {
            context = try NetworkNamespace.perform(in: namespace, open)
        } else {
            context = try open()
        }
    }

    deinit {
        nft_ctx_free(context)
    }

    /// Adds `network`'s elements to the table of its subnet's family, making the table
    /// first when it is absent. Adding a network that is there already changes nothing.
    ///
    /// The kernel is probed by the attempt: when it refuses `ip6 swrun`'s NAT chains
    /// (no nf_nat, or one without IPv6), the table is made with its forward chain only,
    /// so IPv6 networks stay isolated, and the one-line warning is returned.
    @discardableResult
    public func add(network: FirewallNetwork) throws -> String? {
        let table = try Self.table(of: network)
        let elements = Self.addCommands(try Self.elements(of: network))
        guard case .failure(let error) = attempt(elements) else { return nil }
        guard try !tableExists(table) else { throw error }
        // `create table` fails if another caller made the table meanwhile: then it has
        // the rules, and only the elements are missing.
        let create = { (nat: Bool) in self.attempt("create table \(table.name)\n" + Self.definition(table, nat: nat) + elements) }
        var made: Result<String, SwrunError> = table == .ipv6 && refusesIPv6NAT ? .failure(SwrunError(.unsupported, "no IPv6 NAT")) : create(true)
        var warning: String?
        if case .failure = made, table == .ipv6, try !tableExists(table) {
            made = create(false)
            if case .success = made { warning = Self.noIPv6NATWarning }
        }
        switch made {
        case .success: return warning
        case .failure(let error):
            guard try tableExists(table) else { throw error }
            try run(elements)
            return nil
        }
    }

    /// Removes `network`'s elements; when it is the last network of its family (or none
    /// is left), deletes that family's table instead. Removing an absent network changes
    /// nothing.
    public func remove(network: FirewallNetwork) throws {
        let table = try Self.table(of: network)
        let removal = try Self.removalElements(of: network)
        guard let bridges = try bridges(in: table) else { return }
        if bridges.allSatisfy({ $0 == network.bridge }) {
            try run("delete table \(table.name)\n")
        } else {
            try run(Self.removeCommands(removal))
        }
    }

    /// Publishes `ports`, in one transaction: all or none. A port that is already
    /// published to the same container address and port changes nothing; one
    /// published elsewhere fails the call.
    public func add(ports: [FirewallPort]) throws {
        guard !ports.isEmpty else { return }
        try run(Self.addCommands(ports.map(Self.element(of:))))
    }

    /// Unpublishes `ports`, one transaction per table; absent ones are fine, and so is
    /// an absent table.
    public func remove(ports: [FirewallPort]) throws {
        let elements = try ports.map(Self.element(of:))
        for table in Table.allCases {
            let mine = elements.filter { $0.table == table }
            guard !mine.isEmpty else { continue }
            if case .failure(let error) = attempt(Self.removeCommands(mine)) {
                guard try !tableExists(table) else { throw error }
            }
        }
    }

    /// `nft list table ip swrun` and `nft list table ip6 swrun`: the tables' text, ""
    /// when both are absent.
    public func ruleset() throws -> String {
        try Table.allCases.map { try tableExists($0) ? try run("list table \($0.name)\n") : "" }.joined()
    }

    /// Whether swrun's table of a family exists.
    func tableExists(_ table: Table) throws -> Bool {
        try run("list tables \(table.family)\n").split(separator: "\n").contains { $0 == "table \(table.name)" }
    }

    /// The names in a table's `bridges` set, or nil when the table is absent.
    func bridges(in table: Table) throws -> [String]? {
        let flags = nft_ctx_output_get_flags(context)
        nft_ctx_output_set_flags(context, flags | UInt32(NFT_CTX_OUTPUT_JSON))
        let listing = attempt("list set \(table.name) bridges\n")
        nft_ctx_output_set_flags(context, flags)
        switch listing {
        case .success(let json):
            struct Listing: Decodable {
                struct Entry: Decodable { var set: NamedSet? }
                struct NamedSet: Decodable { var elem: [String]? }
                var nftables: [Entry]
            }
            let entries = try JSONDecoder().decode(Listing.self, from: Data(json.utf8)).nftables
            return entries.compactMap(\.set).flatMap { $0.elem ?? [] }
        case .failure(let error):
            guard try !tableExists(table) else { throw error }
            return nil
        }
    }

    /// Runs `commands`, one transaction, and returns what nft printed.
    @discardableResult
    func run(_ commands: String) throws -> String {
        try attempt(commands).get()
    }

    /// Runs `commands`, one transaction: what nft printed, or its first error as one line.
    func attempt(_ commands: String) -> Result<String, SwrunError> {
        let rc = nft_run_cmd_from_buffer(context, commands)
        let output = String(cString: nft_ctx_get_output_buffer(context))
        let errors = String(cString: nft_ctx_get_error_buffer(context))
        guard rc != 0 else { return .success(output) }
        return .failure(SwrunError(.system, "nftables: " + Self.firstError(errors, commands: commands)))
    }

    /// nft's first error ("Error: Could not process rule: File exists", then the
    /// command and a caret line) as one line: the reason, then the command.
    static func firstError(_ text: String, commands: String) -> String {
        let lines = text.split(separator: "\n").map { String($0.drop(while: \.isWhitespace)) }
        guard let reason = lines.first else {
            return "failed: " + (commands.split(separator: "\n").first.map(String.init) ?? "")
        }
        let words = reason.hasPrefix("Error: ") ? String(reason.dropFirst(7)) : reason
        guard lines.count > 1, !lines[1].hasPrefix("^") else { return words }
        return "\(words): \(lines[1])"
    }
}
