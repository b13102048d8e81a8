import CNftables
import FoundationEssentials
import Glibc
import SwrunOS

/// swrun's firewall in one network namespace, through libnftables: the table `ip swrun`
/// (see `Firewall+Ruleset.swift`), made with the first network and deleted with the
/// last, and the elements that networks and published ports add to it. Each change is
/// one nft transaction; no other table is read or touched.
///
/// Adds that race each other (two first containers at once) are safe: the table is
/// made once. Removing the last network reads the `bridges` set, then deletes the
/// table: a network added by another process in between would go with it, so callers
/// hold the network store's lock across `remove(network:)`.
public final class Firewall {
    private let context: OpaquePointer

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

    /// Adds `network`'s elements, making swrun's table first when it is absent.
    /// Adding a network that is there already changes nothing.
    public func add(network: FirewallNetwork) throws {
        let elements = Self.addCommands(try Self.elements(of: network))
        if case .failure(let error) = attempt(elements) {
            guard try !tableExists() else { throw error }
            // `create table` fails if another caller made the table meanwhile: then
            // it has the rules, and only the elements are missing.
            switch attempt("create table \(Self.table)\n" + Self.definition + elements) {
            case .success: return
            case .failure(let error):
                guard try tableExists() else { throw error }
                try run(elements)
            }
        }
    }

    /// Removes `network`'s elements; when it is the last network (or none is left),
    /// deletes swrun's table instead. Removing an absent network changes nothing.
    public func remove(network: FirewallNetwork) throws {
        let removal = try Self.removalElements(of: network)
        guard let bridges = try bridges() else { return }
        if bridges.allSatisfy({ $0 == network.bridge }) {
            try run("delete table \(Self.table)\n")
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

    /// Unpublishes `ports`, in one transaction; absent ones are fine, and so is an
    /// absent table.
    public func remove(ports: [FirewallPort]) throws {
        guard !ports.isEmpty else { return }
        let commands = Self.removeCommands(try ports.map(Self.element(of:)))
        if case .failure(let error) = attempt(commands) {
            guard try !tableExists() else { throw error }
        }
    }

    /// `nft list table ip swrun`: the table's text, "" when it is absent.
    public func ruleset() throws -> String {
        guard try tableExists() else { return "" }
        return try run("list table \(Self.table)\n")
    }

    /// Whether swrun's table exists.
    func tableExists() throws -> Bool {
        try run("list tables ip\n").split(separator: "\n").contains { $0 == "table \(Self.table)" }
    }

    /// The names in the `bridges` set, or nil when the table is absent.
    func bridges() throws -> [String]? {
        let flags = nft_ctx_output_get_flags(context)
        nft_ctx_output_set_flags(context, flags | UInt32(NFT_CTX_OUTPUT_JSON))
        let listing = attempt("list set \(Self.table) bridges\n")
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
            guard try !tableExists() else { throw error }
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
