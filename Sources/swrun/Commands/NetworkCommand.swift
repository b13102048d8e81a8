import ArgumentParser
import Foundation
import SwrunNetwork
import SwrunOS

/// `swrun network …`: docker's network commands.
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Manage networks.",
        subcommands: [NetworkCreate.self, NetworkList.self, NetworkInspect.self, NetworkRemove.self, NetworkPrune.self,
                      NetworkConnect.self, NetworkDisconnect.self]
    )
}

extension GlobalOptions {
    func networkStore() -> NetworkStore { NetworkStore(root: storeRoot) }
}

/// `KEY=VALUE` options (`--label`, `--opt`) as docker's map options read them: a
/// missing `=` gives an empty value.
enum KeyValueOptions {
    static func parse(_ values: [String], flag: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for value in values {
            let parts = value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            guard !key.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw SwrunError(.invalidArgument, "invalid argument \"\(value)\" for \"--\(flag)\" flag: invalid \(flag) '\(value)': empty name")
            }
            result[key] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }
}
