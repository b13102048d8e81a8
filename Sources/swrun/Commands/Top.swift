import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Display the running processes of a container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String
    @Argument(parsing: .captureForPassthrough, help: "Options for ps (default -ef).")
    var psOptions: [String] = []

    mutating func run() throws {
        let runtime = try global.runtime()
        let options = psOptions.isEmpty ? ["-ef"] : psOptions
        let rows = try ContainerErrors.exitingOne { () throws -> [[String]] in
            let state = try runtime.containers.lookup(container)
            let pids = try runtime.processIDs(state)
            // procps reads only the listed PIDs with -q; busybox ps has no -q and lists all.
            let output = try (try? Self.ps(options + ["-q", pids.map(String.init).joined(separator: ",")])) ?? Self.ps(options)
            return try Self.rows(psOutput: output, pids: Set(pids))
        }
        print(Self.render(rows))
    }

    /// The host's `ps` with `arguments`; throws when it fails.
    static func ps(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/ps")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        do { try process.run() } catch { throw SwrunError(.system, "ps", cause: error) }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SwrunError(.system, "ps \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The header and the rows of `pids`, as docker's parsePSOutput: the last column
    /// keeps its spaces, and thread lines ("-" as PID, `ps -m`) follow their process.
    static func rows(psOutput: String, pids: Set<Int32>) throws -> [[String]] {
        let lines = psOutput.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first else { throw SwrunError(.system, "ps printed nothing") }
        let titles = header.split(separator: " ").map(String.init)
        guard let pidIndex = titles.firstIndex(of: "PID") else {
            throw SwrunError(.invalidArgument, "Couldn't find PID field in ps output")
        }
        var rows = [titles]
        var previousMatched = false
        for line in lines.dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= titles.count else { continue }
            let matched: Bool
            if fields[pidIndex] == "-" {
                matched = previousMatched
            } else {
                guard let pid = Int32(fields[pidIndex]) else {
                    throw SwrunError(.system, "Unexpected pid '\(fields[pidIndex])' in ps output")
                }
                matched = pids.contains(pid)
                previousMatched = matched
            }
            if matched {
                rows.append(Array(fields[..<(titles.count - 1)]) + [fields[(titles.count - 1)...].joined(separator: " ")])
            }
        }
        return rows
    }

    /// docker's tabwriter(minwidth 20, padding 3): every column but the last at least
    /// 20 wide, or its widest cell plus 3.
    static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count, columns > 0 else { return "" }
        var widths = [Int](repeating: 20, count: columns - 1)
        for row in rows {
            for i in 0..<(columns - 1) where i < row.count { widths[i] = max(widths[i], row[i].count + 3) }
        }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i < columns - 1 ? cell + String(repeating: " ", count: widths[i] - cell.count) : cell
            }.joined()
        }.joined(separator: "\n")
    }
}
