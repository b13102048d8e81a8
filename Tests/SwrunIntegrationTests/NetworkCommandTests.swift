import Foundation
import Testing

/// `swrun network create|ls|inspect|rm|prune`: docker's flags, output and exit codes.
/// Store work only: nothing here touches a network interface.
@Suite("network commands: create, ls, inspect, rm, prune", .serialized)
struct NetworkCommandTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// The whitespace-separated cells of a table line.
    func cells(_ line: String) -> [String] {
        line.components(separatedBy: "   ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @discardableResult
    func create(_ arguments: [String]) throws -> String {
        let result = swrun.run(["network", "create"] + arguments)
        try #require(result.status == 0, "\(result)")
        return result.out
    }

    /// Marks `address` of network `id` as held by `container`, as a running container's would be.
    func holdAddress(_ address: String, on id: String, by container: String) throws {
        try (container + "\n").write(toFile: swrun.root + "/networks/\(id)/addresses/\(address)", atomically: false, encoding: .utf8)
    }

    func inspect(_ name: String) throws -> [String: Any] {
        let result = swrun.run(["network", "inspect", name])
        try #require(result.status == 0, "\(result)")
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        try #require(documents.count == 1)
        return documents[0]
    }

    @Test func lsShowsThePredefinedNetworksAsDockerDoes() throws {
        let table = swrun.run(["network", "ls"])
        #expect(table.status == 0, "\(table)")
        #expect(cells(table.lines[0]) == ["NETWORK ID", "NAME", "DRIVER", "SCOPE"])
        let rows = table.lines.dropFirst().map(cells)
        #expect(rows.map { $0[1] } == ["bridge", "host", "none"])
        #expect(rows.map { $0[2] } == ["bridge", "host", "null"])
        #expect(rows.allSatisfy { $0[0].count == 12 && $0[3] == "local" }, "\(table)")
        #expect(swrun.run(["network", "ls"]).stdout == table.stdout)
        #expect(swrun.run(["network", "list", "-q"]).lines == rows.map { $0[0] })
    }

    @Test func createPrintsTheIDAndLsFindsIt() throws {
        let id = try create(["--label", "tier=db", "web"])
        #expect(id.count == 64 && id.allSatisfy(\.isHexDigit), "\(id)")
        try create(["--subnet", "10.77.0.0/24", "--driver", "bridge", "net10"])
        try create(["--subnet=10.78.0.0/24", "net2"])

        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}"]).lines == ["bridge", "host", "net2", "net10", "none", "web"])
        #expect(swrun.run(["network", "ls", "-q", "--no-trunc", "--filter", "name=web"]).lines == [id])
        #expect(swrun.run(["network", "ls", "-q", "-f", "name=we"]).lines == [String(id.prefix(12))])
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}", "-f", "type=custom"]).lines == ["net2", "net10", "web"])
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}", "-f", "type=builtin"]).lines == ["bridge", "host", "none"])
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}", "-f", "driver=null"]).lines == ["none"])
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}", "-f", "label=tier=db"]).lines == ["web"])
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}", "-f", "label=tier=web"]).lines.isEmpty)
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}", "-f", "id=\(id.prefix(5))"]).lines == ["web"])
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}} {{.Labels}} {{.Internal}} {{.IPv6}}", "-f", "name=^web$"]).out
            == "web tier=db false false")
        let json = swrun.run(["network", "ls", "--format", "json", "-f", "name=net2"])
        #expect(json.out.contains("\"Name\":\"net2\"") && json.out.contains("\"Driver\":\"bridge\""), "\(json)")
        let table = swrun.run(["network", "ls", "--format", "table {{.Name}}\t{{.Driver}}", "-f", "name=net2"])
        #expect(table.lines.map(cells) == [["NAME", "DRIVER"], ["net2", "bridge"]], "\(table)")
        let bad = swrun.run(["network", "ls", "-f", "colour=red"])
        #expect(bad.status == 125 && bad.err == "swrun: invalid filter 'colour'", "\(bad)")
        let badType = swrun.run(["network", "ls", "-f", "type=other"])
        #expect(badType.status == 125 && badType.err == "swrun: invalid filter: 'type'='other'", "\(badType)")
    }

    @Test func createRefusesBadInputInOneLineWithExit125() throws {
        try create(["--subnet", "10.80.0.0/16", "used"])
        let cases: [([String], String)] = [
            (["used"], "network with name used already exists"),
            (["--subnet", "10.80.1.0/24", "x"], "invalid pool request: Pool overlaps with other one on this address space"),
            (["--subnet", "10.81.2.3/16", "x"], "invalid network config: invalid subnet 10.81.2.3/16: it should be 10.81.0.0/16"),
            (["--gateway", "10.82.0.1", "x"], "every ip-range or gateway must have a corresponding subnet"),
            (["--subnet", "10.82.0.0/24", "--gateway", "10.83.0.1", "x"], "no matching subnet for gateway 10.83.0.1"),
            (["bridge"], "operation is not permitted on predefined bridge network"),
            (["-d", "macvlan", "x"], "driver \"macvlan\" is not supported: swrun networks use the bridge driver"),
        ]
        for (arguments, message) in cases {
            let result = swrun.run(["network", "create"] + arguments)
            #expect(result.status == 125 && result.err == "swrun: " + message && result.out.isEmpty, "\(arguments): \(result)")
        }
        #expect(swrun.run(["network", "ls", "-q"]).lines.count == 4)
    }

    @Test func inspectShowsDockersDocument() throws {
        let id = try create([
            "--subnet", "10.90.0.0/24", "--gateway", "10.90.0.254", "--ip-range", "10.90.0.128/25", "--internal",
            "--label", "a=b", "-o", "com.docker.network.bridge.name=lab0", "lab",
        ])
        let document = try inspect("lab")
        #expect(document["Name"] as? String == "lab")
        #expect(document["Id"] as? String == id)
        #expect(document["Driver"] as? String == "bridge" && document["Scope"] as? String == "local")
        #expect(document["Internal"] as? Bool == true && document["EnableIPv6"] as? Bool == false)
        #expect(document["Attachable"] as? Bool == false && document["ConfigOnly"] as? Bool == false)
        #expect((document["Created"] as? String)?.hasSuffix("Z") == true)
        let ipam = try #require(document["IPAM"] as? [String: Any])
        #expect(ipam["Driver"] as? String == "default")
        let config = try #require(ipam["Config"] as? [[String: String]])
        #expect(config == [["Subnet": "10.90.0.0/24", "IPRange": "10.90.0.128/25", "Gateway": "10.90.0.254"]])
        #expect(document["Options"] as? [String: String] == ["com.docker.network.bridge.name": "lab0"])
        #expect(document["Labels"] as? [String: String] == ["a": "b"])
        #expect((document["Containers"] as? [String: Any])?.isEmpty == true)
        // The document's own keys (indented once inside the array), in docker's order.
        let keys = ["Name", "Id", "Created", "Scope", "Driver", "EnableIPv4", "EnableIPv6", "IPAM", "Internal", "Attachable",
                    "Ingress", "ConfigFrom", "ConfigOnly", "Containers", "Options", "Labels"]
        let text = swrun.run(["network", "inspect", "lab"]).stdout
        let positions = keys.compactMap { text.range(of: "\n        \"\($0)\": ")?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted(), "\(text)")

        try holdAddress("10.90.0.130", on: id, by: String(repeating: "c", count: 64))
        let held = try inspect(String(id.prefix(10)))
        let containers = try #require(held["Containers"] as? [String: [String: String]])
        #expect(containers[String(repeating: "c", count: 64)]?["IPv4Address"] == "10.90.0.130/24", "\(containers)")

        let bridge = try inspect("bridge")
        #expect((bridge["Options"] as? [String: String])?["com.docker.network.bridge.name"] == "swrun0")
        #expect(((bridge["IPAM"] as? [String: Any])?["Config"] as? [[String: String]]) == [["Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"]])

        let formatted = swrun.run(["network", "inspect", "-f", "{{.Name}} {{.Driver}} {{.Internal}}", "lab", "none"])
        #expect(formatted.lines == ["lab bridge true", "none null false"], "\(formatted)")
        let missing = swrun.run(["network", "inspect", "-f", "{{.Name}}", "lab", "nosuch"])
        #expect(missing.status == 1 && missing.lines == ["lab"] && missing.err == "swrun: No such network: nosuch", "\(missing)")
        let badTemplate = swrun.run(["network", "inspect", "-f", "{{.Name", "lab"])
        #expect(badTemplate.status == 64, "\(badTemplate)")
    }

    @Test func automaticSubnetsAreDockersPools() throws {
        try create(["auto"])
        let config = try #require(((try inspect("auto"))["IPAM"] as? [String: Any])?["Config"] as? [[String: String]])
        let subnet = try #require(config.first?["Subnet"])
        #expect(subnet.hasPrefix("172.") && subnet.hasSuffix(".0.0/16") || subnet.hasPrefix("192.168."), "\(config)")
        #expect(config.first?["Gateway"] == subnet.replacingOccurrences(of: ".0/", with: ".1/").components(separatedBy: "/")[0])
    }

    @Test func rmPrintsEachNameAndFailsInDockersWords() throws {
        try create(["--subnet", "10.91.0.0/24", "one"])
        let twoID = try create(["--subnet", "10.92.0.0/24", "two"])
        let removed = swrun.run(["network", "rm", "one", "nosuch", "bridge"])
        #expect(removed.status == 1 && removed.lines == ["one"], "\(removed)")
        #expect(removed.err == "swrun: network nosuch not found\nswrun: bridge is a pre-defined network and cannot be removed", "\(removed)")
        #expect(swrun.run(["network", "rm", "-f", "nosuch"]).status == 0)

        try holdAddress("10.92.0.2", on: twoID, by: "somecontainer")
        let inUse = swrun.run(["network", "remove", "two"])
        #expect(inUse.status == 1 && inUse.err == "swrun: error while removing network: network two id \(twoID) has active endpoints", "\(inUse)")
        try FileManager.default.removeItem(atPath: swrun.root + "/networks/\(twoID)/addresses/10.92.0.2")
        let byPrefix = swrun.run(["network", "rm", String(twoID.prefix(7))])
        #expect(byPrefix.status == 0 && byPrefix.out == String(twoID.prefix(7)), "\(byPrefix)")
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}"]).lines == ["bridge", "host", "none"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: swrun.root + "/networks").filter { $0.hasPrefix(".") && $0 != ".lock" }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func pruneRemovesUnusedCustomNetworks() throws {
        try create(["--subnet", "10.93.0.0/24", "idle"])
        let busyID = try create(["--subnet", "10.94.0.0/24", "busy"])
        try create(["--subnet", "10.95.0.0/24", "--label", "keep=yes", "kept"])
        try holdAddress("10.94.0.2", on: busyID, by: "somecontainer")

        let declined = swrun.run(["network", "prune"], stdin: Data("n\n".utf8))
        #expect(declined.status == 0, "\(declined)")
        #expect(declined.stdout == "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ")
        #expect(swrun.run(["network", "ls", "-q"]).lines.count == 6)

        let filtered = swrun.run(["network", "prune", "-f", "--filter", "label!=keep"])
        #expect(filtered.status == 0 && filtered.stdout == "Deleted Networks:\nidle\n\n", "\(filtered)")
        let none = swrun.run(["network", "prune", "-f", "--filter", "until=1h"])
        #expect(none.status == 0 && none.stdout.isEmpty, "\(none)")
        let all = swrun.run(["network", "prune"], stdin: Data("y\n".utf8))
        #expect(all.status == 0 && all.stdout.hasSuffix("[y/N] Deleted Networks:\nkept\n\n"), "\(all)")
        #expect(swrun.run(["network", "ls", "--format", "{{.Name}}"]).lines == ["bridge", "busy", "host", "none"])
        let bad = swrun.run(["network", "prune", "-f", "--filter", "until=soon"])
        #expect(bad.status == 125 && bad.err == "swrun: failed to parse value as time or duration: \"soon\"", "\(bad)")
    }
}
