import Foundation
import Glibc
import Testing

/// `stats`: docker's columns from the container's cgroup (v1 or v2), `--format`, `-a`,
/// and the live view.
@Suite("stats", .serialized)
struct StatsTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// A busy container with a 64 MiB limit, running in the background.
    func startBusy(_ name: String) {
        let result = swrun.run(["run", "-d", "--network", "none", "-m", "64m", "--name", name, "busybox", "sh", "-c", "while true; do :; done"])
        #expect(result.status == 0, "\(result)")
    }

    /// The cells of a table line: the tabwriter pads with three spaces or more, and no
    /// cell holds two spaces in a row.
    func cells(_ line: String) -> [String] {
        line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Test func noStreamShowsDockersColumns() throws {
        startBusy("busy")
        let result = swrun.run(["stats", "--no-stream"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.count == 2, "\(result)")
        #expect(cells(result.lines[0]) == ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"], "\(result)")
        let row = cells(try #require(result.lines.last))
        try #require(row.count == 8, "\(result)")
        #expect(row[0].count == 12 && row[1] == "busy")
        // A shell spinning for the whole second between the two samples.
        let cpu = try #require(Double(row[2].dropLast()), "\(row)")
        #expect(cpu > 10, "\(row)")
        #expect(row[3].hasSuffix(" / 64MiB"), "\(row)")
        #expect(row[5] == "0B / 0B", "--network none has only lo: \(row)")
        #expect(Int(row[7]) ?? 0 >= 1, "\(row)")
    }

    @Test func formatFieldsAndJSON() throws {
        startBusy("fmt")
        let result = swrun.run(["stats", "--no-stream", "--format", "{{.Container}}|{{.Name}}|{{.MemPerc}}|{{.PIDs}}", "fmt"])
        #expect(result.status == 0, "\(result)")
        let fields = result.out.split(separator: "|").map(String.init)
        #expect(fields.count == 4 && fields[0] == "fmt" && fields[1] == "fmt" && fields[2].hasSuffix("%") && fields[3] == "1", "\(result)")
        let json = swrun.run(["stats", "--no-stream", "--format", "json", "fmt"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: String], "\(json)")
        #expect(Set(object.keys) == ["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"])
        let table = swrun.run(["stats", "--no-stream", "--format", "table {{.Name}}\t{{.MemUsage}}", "fmt"])
        #expect(cells(try #require(table.lines.first)) == ["NAME", "MEM USAGE / LIMIT"], "\(table)")
    }

    @Test func allShowsStoppedContainersAsZeros() {
        #expect(swrun.run(["run", "--network", "none", "--name", "done", "busybox", "true"]).status == 0)
        let running = swrun.run(["stats", "--no-stream", "--format", "{{.Name}}"])
        #expect(running.status == 0 && running.out.isEmpty, "\(running)")
        let all = swrun.run(["stats", "--no-stream", "-a", "--format", "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}"])
        #expect(all.lines == ["done 0.00% 0B / 0B 0"], "\(all)")
    }

    @Test func unknownContainersAndTemplatesFail() {
        let missing = swrun.run(["stats", "--no-stream", "nope"])
        #expect(missing.status == 1 && missing.err.contains("No such container: nope"), "\(missing)")
        let template = swrun.run(["stats", "--no-stream", "--format", "{{.Name"])
        #expect(template.status != 0 && template.err.contains("template parsing error"), "\(template)")
    }

    /// Without --no-stream it samples every second until interrupted; off a terminal
    /// it prints frame after frame, without the terminal's clear-screen.
    @Test func liveViewKeepsSampling() throws {
        startBusy("live")
        let stats = try StreamingCommand(swrun, ["stats", "--format", "{{.Name}} {{.PIDs}}", "live"])
        #expect(stats.waitFor("live 1", count: 3), "\(stats.text)")
        #expect(stats.process.isRunning)
        stats.stop()
        #expect(!stats.text.contains("\u{1B}["))
    }
}
