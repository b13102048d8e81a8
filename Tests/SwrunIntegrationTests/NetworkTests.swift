import Foundation
import Glibc
import Testing

/// Networking as a docker user meets it: the default bridge, published ports, user
/// networks with DNS, and no leftovers. Each test runs swrun in a network namespace of
/// its own (the sandbox's "host"); an "outside" host is a second namespace with
/// TEST-NET-2 addresses. Clients always have a timeout.
@Suite(.serialized) struct NetworkTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun(privateNetwork: true) }

    /// The sandbox's links and firewall, and the store's address and port allocations,
    /// once only running containers have veths (`settled`, 30 s at most): a container's
    /// veth pair goes with its network namespace, which the kernel tears down in the
    /// background once the last reference is gone (swrun does not wait the grace period
    /// a synchronous delete costs). The wait is on link events: each one wakes a look,
    /// and a missed one costs a 2 s re-look, never a wrong answer.
    func networkState(settled: Bool = true) -> String {
        if settled { awaitVethsOfRunningContainersOnly() }
        let links = swrun.inNetwork(["/usr/sbin/ip", "-o", "link"]).stdout
            // Names only: a bridge's carrier flag follows its ports a moment late.
            .split(separator: "\n").map { line in line.components(separatedBy: ": <")[0] }.joined(separator: "\n")
        let rules = swrun.inNetwork(["/usr/sbin/nft", "list", "ruleset"]).stdout
        var held: [String] = []
        for top in ["networks", "ports"] {
            let walker = FileManager.default.enumerator(atPath: swrun.root + "/" + top)
            while let path = walker?.nextObject() as? String {
                let name = (path as NSString).lastPathComponent
                if (top == "ports" || path.contains("/addresses/")) && !name.hasPrefix(".") { held.append(top + "/" + path) }
            }
        }
        return links + "\n--\n" + rules + "\n--\n" + held.sorted().joined(separator: "\n")
    }

    /// Waits until every container veth (`sw` + 11 hex of the ID + the network's index)
    /// is one of a running container (see `networkState`).
    func awaitVethsOfRunningContainersOnly() {
        let running = swrun.run(["ps", "-q", "--no-trunc"]).lines.map { "sw" + $0.prefix(11) }
        let script = """
            coproc MONITOR { exec stdbuf -oL ip -o monitor link 2>/dev/null; }
            allowed=" $* "
            orphans() {
                for name in $(ip -o link | grep -o 'sw[0-9a-f]\\{11\\}[0-9]@'); do
                    case "$allowed" in *" ${name:0:13} "*) ;; *) return 0 ;; esac
                done
                return 1
            }
            end=$((SECONDS + 30))
            while orphans && [ $SECONDS -lt $end ]; do read -r -t 2 _ <&"${MONITOR[0]}" || true; done
            kill -KILL $MONITOR_PID
            """
        _ = swrun.inNetwork(["/bin/bash", "-c", script, "await-veths"] + running)
    }

    /// The default bridge, made by its first container and kept, as docker0 is.
    func warmUp() {
        let result = swrun.runRm(["busybox", "true"])
        #expect(result.status == 0, "\(result)")
    }

    /// An HTTP GET of `path` from `host:port` as a shell line for busybox (its static
    /// wget crashes in a container without NSS files; nc speaks plain HTTP/1.0 fine).
    static func get(_ host: String, _ port: Int, _ path: String = "/hostname") -> String {
        "printf 'GET \(path) HTTP/1.0\\r\\n\\r\\n' | nc -w 3 \(host) \(port)"
    }

    /// A GET from the sandbox's host, retried until it answers or 20 s pass (a server
    /// in a container starts after `run -d` returns); the body, or nil.
    func fetch(_ host: String, _ port: Int, _ path: String = "/hostname", deadline: TimeInterval = 20) -> String? {
        let end = Date().addingTimeInterval(deadline)
        repeat {
            let result = swrun.inNetwork(["/usr/bin/timeout", "5", "/usr/bin/busybox", "sh", "-c", Self.get(host, port, path)])
            let text = result.stdout
            if result.status == 0, let end = text.range(of: "\r\n\r\n") ?? text.range(of: "\n\n") { return String(text[end.upperBound...]) }
            usleep(100_000)
        } while Date() < end
        return nil
    }

    /// A GET from a new container on `flags`' network: its output (headers and body).
    func fetchFromContainer(_ flags: [String], _ host: String, _ port: Int, _ path: String = "/hostname") -> CommandResult {
        swrun.runRm(flags + ["busybox", "sh", "-c", Self.get(host, port, path)])
    }

    /// A web server in a container serving its /etc (so /hostname names it).
    func startWebServer(_ flags: [String]) -> CommandResult {
        swrun.run(["run", "-d"] + flags + ["busybox", "httpd", "-f", "-p", "80", "-h", "/etc"])
    }

    @Test func defaultBridgeGivesAnAddressARouteAndItsOwnName() {
        let result = swrun.runRm(["--hostname", "box", "busybox", "sh", "-c",
                                  "ip -o -4 addr show eth0; ip route; cat /etc/hosts; cat /etc/resolv.conf"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("inet 172.17.0.2/16"), "\(result.stdout)")
        #expect(result.stdout.contains("default via 172.17.0.1"), "\(result.stdout)")
        #expect(result.stdout.contains("172.17.0.2\tbox"), "\(result.stdout)")
        #expect(!result.stdout.contains("nameserver 127."), "\(result.stdout)")
    }

    @Test func publishedPortAnswersOnLoopbackOnTheGatewayAndFromOtherContainers() throws {
        let started = startWebServer(["--name", "web", "-p", "8080:80"])
        try #require(started.status == 0, "\(started)")
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let hostname = String(id.prefix(12))
        #expect(fetch("127.0.0.1", 8080)?.contains(hostname) == true)
        #expect(fetch("172.17.0.1", 8080)?.contains(hostname) == true)
        // Hairpin: another container reaches the published port through the host.
        let other = fetchFromContainer([], "172.17.0.1", 8080)
        #expect(other.status == 0 && other.stdout.contains(hostname), "\(other)")
        // Container to container on the bridge.
        let direct = fetchFromContainer([], "172.17.0.2", 80)
        #expect(direct.status == 0 && direct.stdout.contains(hostname), "\(direct)")

        let port = swrun.run(["port", "web"])
        #expect(port.stdout == "80/tcp -> 0.0.0.0:8080\n", "\(port)")
        #expect(swrun.run(["port", "web", "80"]).stdout == "0.0.0.0:8080\n")
        let missing = swrun.run(["port", "web", "81"])
        #expect(missing.status == 1 && missing.stderr.contains("No public port '81/tcp' published for web"), "\(missing)")
        let ps = swrun.run(["ps", "--format", "{{.Ports}}|{{.Networks}}"])
        #expect(ps.stdout == "0.0.0.0:8080->80/tcp|bridge\n", "\(ps)")
        let inspect = swrun.run(["inspect", "-f", "{{.NetworkSettings.IPAddress}} {{json .NetworkSettings.Ports}} {{.HostConfig.NetworkMode}}", "web"])
        #expect(inspect.stdout == "172.17.0.2 {\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]} bridge\n", "\(inspect)")
    }

    @Test func publishAllPicksFreeHostPortsForExposedPorts() throws {
        let image = swrun.run(["commit", "-c", "EXPOSE 80/tcp", try #require(startWebServer([]).stdout.split(separator: "\n").first.map(String.init)), "exposed:1"])
        try #require(image.status == 0, "\(image)")
        let started = swrun.run(["run", "-d", "--name", "pub", "-P", "exposed:1", "httpd", "-f", "-p", "80", "-h", "/etc"])
        try #require(started.status == 0, "\(started)")
        let port = swrun.run(["port", "pub", "80/tcp"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let hostPort = try #require(port.split(separator: ":").last.flatMap { Int($0) }, "\(port)")
        #expect(hostPort > 1024)
        #expect(fetch("127.0.0.1", hostPort) != nil)
    }

    @Test func runRmWithPortsLeavesLinksRulesAndAllocationsAsTheyWere() {
        warmUp()
        let before = networkState()
        let result = swrun.runRm(["-p", "8081:80", "-p", "127.0.0.1:8082:81/udp", "busybox", "ip", "-o", "-4", "addr", "show", "eth0"])
        #expect(result.status == 0 && result.stdout.contains("172.17.0.2/16"), "\(result)")
        #expect(networkState() == before)
    }

    @Test func aTakenHostPortFailsTheRunInOneLineAndLeavesNothingBehind() throws {
        let first = swrun.run(["run", "-d", "-p", "8083:80", "busybox", "sleep", "1000"])
        try #require(first.status == 0, "\(first)")
        let state = networkState()
        let containers = swrun.containerIDs()
        let second = swrun.run(["run", "--rm", "-p", "8083:80", "busybox", "true"])
        #expect(second.status == 125, "\(second)")
        #expect(second.stderr.contains("port is already allocated") && second.stderr.split(separator: "\n").count == 1, "\(second)")
        #expect(networkState() == state)
        #expect(swrun.containerIDs() == containers)
    }

    @Test(arguments: [
        (["--network", "nosuch"], "network nosuch not found"),
        (["-p", "x:80"], "x"),
        (["-p", "80:80:80:80"], "invalid IP address"),
        (["--ip", "172.17.0.9"], "user specified IP address is supported on user defined networks only"),
        (["--add-host", "nocolon"], "nocolon"),
    ])
    func badNetworkInputFailsWith125AndLeavesNothing(flags: [String], words: String) {
        warmUp()
        let before = networkState()
        let result = swrun.run(["run", "--rm"] + flags + ["busybox", "true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.contains(words) && result.stderr.split(separator: "\n").count == 1, "\(result)")
        #expect(swrun.containerIDs().isEmpty)
        #expect(networkState() == before)
    }

    @Test func userNetworkNamesResolveByDNSAndNetworksAreIsolated() throws {
        try #require(swrun.run(["network", "create", "appnet"]).status == 0)
        try #require(swrun.run(["network", "create", "othernet"]).status == 0)
        let web = startWebServer(["--name", "web", "--network", "appnet", "--network-alias", "www"])
        try #require(web.status == 0, "\(web)")
        let hostname = String(web.stdout.prefix(12))
        let lookup = swrun.runRm(["--network", "appnet", "busybox", "nslookup", "web"])
        #expect(lookup.status == 0 && lookup.stdout.contains("172.18.0.2"), "\(lookup)")
        let byAlias = fetchFromContainer(["--network", "appnet"], "www", 80)
        #expect(byAlias.status == 0 && byAlias.stdout.contains(hostname), "\(byAlias)")
        // Another network neither resolves the name nor reaches the address.
        let isolated = fetchFromContainer(["--network", "othernet"], "172.18.0.2", 80)
        #expect(!isolated.stdout.contains(hostname), "\(isolated)")
        let inUse = swrun.run(["network", "rm", "appnet"])
        #expect(inUse.status != 0 && inUse.stderr.contains("active endpoints"), "\(inUse)")
        // No DNS server stays once no container runs on a user network.
        #expect(swrun.run(["rm", "-f", "web"]).status == 0)
        let servers = swrun.inNetwork(["/usr/bin/pgrep", "-f", "aardvark-dns.*" + swrun.root]).stdout
        #expect(servers.isEmpty, "\(servers)")
        #expect(swrun.run(["network", "rm", "appnet"]).status == 0)
    }

    /// The "outside": a namespace linked to the sandbox's host with TEST-NET-2 and IPv6
    /// documentation addresses (host 198.51.100.1 and 2001:db8:1::1, outside .2 and
    /// ::2), running a web server on port 9000 whose /cgi-bin/ip answers with the
    /// client's address. Returns the namespace and what stops the server and unpins it.
    func startOutside() throws -> (namespace: String, stop: () -> Void) {
        let outside = swrun.base + "/outside"
        _ = FileManager.default.createFile(atPath: outside, contents: nil)
        try #require(Host.run("/usr/bin/unshare", ["--net=" + outside, "true"]).status == 0)
        let unpin = { _ = umount2(outside, Int32(MNT_DETACH)) }
        for command in [["ip", "link", "add", "vout", "type", "veth", "peer", "name", "vin", "netns", outside],
                        ["ip", "addr", "add", "198.51.100.1/24", "dev", "vout"],
                        ["ip", "addr", "add", "2001:db8:1::1/64", "dev", "vout", "nodad"], ["ip", "link", "set", "vout", "up"]] {
            let result = swrun.inNetwork(["/usr/sbin/" + command[0]] + command.dropFirst())
            if result.status != 0 { unpin() }
            try #require(result.status == 0, "\(command)")
        }
        for command in [["ip", "addr", "add", "198.51.100.2/24", "dev", "vin"], ["ip", "addr", "add", "2001:db8:1::2/64", "dev", "vin", "nodad"],
                        ["ip", "link", "set", "vin", "up"], ["ip", "link", "set", "lo", "up"]] {
            let result = Host.run("/usr/bin/nsenter", ["--net=" + outside, "--"] + command)
            if result.status != 0 { unpin() }
            try #require(result.status == 0, "\(command)")
        }
        let www = swrun.scratch + "/www/cgi-bin"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "#!/bin/sh\necho Content-Type: text/plain\necho\necho \"$REMOTE_ADDR\"\n".write(toFile: www + "/ip", atomically: true, encoding: .utf8)
        chmod(www + "/ip", 0o755)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        server.arguments = ["--net=" + outside, "--", "/usr/bin/busybox", "httpd", "-f", "-p", "9000", "-h", swrun.scratch + "/www"]
        do { try server.run() } catch { unpin(); throw error }
        // busybox httpd ignores SIGTERM.
        return (outside, { kill(server.processIdentifier, SIGKILL); server.waitUntilExit(); unpin() })
    }

    @Test func outboundTrafficIsMasqueradedAndInternalNetworksHaveNoWayOut() throws {
        let (_, stop) = try startOutside()
        defer { stop() }
        let seen = fetch("198.51.100.2", 9000, "/cgi-bin/ip")
        try #require(seen?.contains("198.51.100.1") == true, "the outside server did not answer the host: \(seen ?? "nothing")")

        let fromContainer = fetchFromContainer([], "198.51.100.2", 9000, "/cgi-bin/ip")
        #expect(fromContainer.status == 0 && fromContainer.stdout.contains("198.51.100.1"), "\(fromContainer)")
        try #require(swrun.run(["network", "create", "--internal", "closed"]).status == 0)
        let closed = fetchFromContainer(["--network", "closed"], "198.51.100.2", 9000, "/cgi-bin/ip")
        #expect(!closed.stdout.contains("198.51.100"), "\(closed)")
    }

    @Test func killingTheMonitorAndTheContainerLeavesCleanupToRmF() throws {
        warmUp()
        let before = networkState()
        let started = swrun.run(["run", "-d", "--name", "victim", "-p", "8084:80", "busybox", "sleep", "1000"])
        try #require(started.status == 0, "\(started)")
        let pids = swrun.run(["inspect", "-f", "{{.State.Pid}}", "victim"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let state = try #require(Host.read(swrun.root + "/containers/" + started.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/state.json"))
        let monitor = try #require(state.firstMatch(of: /"monitorPid":(\d+)/).flatMap { Int32($0.1) })
        kill(monitor, SIGKILL)
        kill(try #require(Int32(pids)), SIGKILL)
        #expect(networkState(settled: false) != before)
        let removed = swrun.run(["rm", "-f", "victim"])
        #expect(removed.status == 0, "\(removed)")
        #expect(networkState() == before)
    }

    @Test func thirtyParallelRunsOnAUserNetworkLeaveNothingBehind() throws {
        try #require(swrun.run(["network", "create", "par"]).status == 0)
        let before = networkState()
        let runs = try (0..<30).map { _ in try swrun.start(["run", "--rm", "--network", "par", "busybox", "true"]) }
        let results = runs.map { $0.wait(timeout: 120) }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 })")
        #expect(networkState() == before)
    }

    @Test func networkNoneAndHostStayAsTheyWere() {
        let none = swrun.runRm(["--network", "none", "busybox", "cat", "/proc/net/dev"])
        #expect(none.status == 0 && !none.stdout.contains("eth0"), "\(none)")
        let host = swrun.runRm(["--network", "host", "busybox", "ip", "-o", "link"])
        #expect(host.status == 0 && host.stdout.contains("lo"), "\(host)")
    }
}

extension NetworkTests {
    @Test func connectAndDisconnectARunningContainer() throws {
        try #require(swrun.run(["network", "create", "extra"]).status == 0)
        let started = swrun.run(["run", "-d", "--name", "multi", "busybox", "sleep", "1000"])
        try #require(started.status == 0, "\(started)")
        let connected = swrun.run(["network", "connect", "--alias", "second", "extra", "multi"])
        #expect(connected.status == 0, "\(connected)")
        let links = swrun.run(["exec", "multi", "ip", "-o", "-4", "addr"])
        #expect(links.stdout.contains("eth0") && links.stdout.contains("eth1") && links.stdout.contains("172.18.0.2/16"), "\(links)")
        let resolved = swrun.runRm(["--network", "extra", "busybox", "nslookup", "second"])
        #expect(resolved.status == 0 && resolved.stdout.contains("172.18.0.2"), "\(resolved)")
        let again = swrun.run(["network", "connect", "extra", "multi"])
        #expect(again.status == 125 && again.stderr.contains("already exists"), "\(again)")
        let disconnected = swrun.run(["network", "disconnect", "extra", "multi"])
        #expect(disconnected.status == 0, "\(disconnected)")
        #expect(!swrun.run(["exec", "multi", "ip", "-o", "link"]).stdout.contains("eth1"))
        #expect(swrun.run(["network", "rm", "extra"]).status == 0)
    }
}

extension NetworkTests {
    @Test func anIPv6NetworkGivesContainersIPv6AddressesThatReachEachOther() throws {
        let created = swrun.run(["network", "create", "--ipv6", "--subnet", "fd00:5a:1::/64", "six"])
        try #require(created.status == 0, "\(created)")
        let web = swrun.run(["run", "-d", "--name", "web6", "--network", "six", "busybox", "sleep", "1000"])
        try #require(web.status == 0, "\(web)")
        let address = swrun.run(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}", "web6"])
        #expect(address.stdout == "fd00:5a:1::2\n", "\(address)")
        let ping = swrun.runRm(["--network", "six", "busybox", "sh", "-c", "ip -o -6 addr show eth0; ping -c 1 -W 3 fd00:5a:1::2"])
        #expect(ping.status == 0 && ping.stdout.contains("fd00:5a:1::3/64"), "\(ping)")
        let lookup = swrun.runRm(["--network", "six", "busybox", "nslookup", "-type=aaaa", "web6"])
        #expect(lookup.stdout.contains("fd00:5a:1::2"), "\(lookup)")
    }
}

/// IPv6 as docker with ip6tables gives it: networks isolated from each other, published
/// ports on the host's IPv6 addresses, outbound traffic masqueraded.
extension NetworkTests {
    @Test func ipv6NetworksAreIsolatedFromEachOther() throws {
        try #require(swrun.run(["network", "create", "--ipv6", "--subnet", "fd00:5a:1::/64", "six1"]).status == 0)
        try #require(swrun.run(["network", "create", "--ipv6", "--subnet", "fd00:5a:2::/64", "six2"]).status == 0)
        let web = startWebServer(["--name", "web6", "--network", "six1"])
        try #require(web.status == 0, "\(web)")
        let hostname = String(web.stdout.prefix(12))
        let same = fetchFromContainer(["--network", "six1"], "fd00:5a:1::2", 80)
        #expect(same.status == 0 && same.stdout.contains(hostname), "\(same)")
        let other = fetchFromContainer(["--network", "six2"], "fd00:5a:1::2", 80)
        #expect(!other.stdout.contains(hostname), "\(other)")
        // An IPv4-only network's containers have no IPv6 at all, as in docker.
        let v4Only = swrun.runRm(["busybox", "sh", "-c", "cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6; ip -6 -o addr show eth0"])
        #expect(v4Only.status == 0 && v4Only.stdout == "1\n", "\(v4Only)")
    }

    @Test func aPublishedPortAnswersOnTheHostsIPv6Addresses() throws {
        let (_, stop) = try startOutside()
        defer { stop() }
        try #require(swrun.run(["network", "create", "--ipv6", "--subnet", "fd00:5a:3::/64", "six3"]).status == 0)
        let web = startWebServer(["--name", "pub6", "--network", "six3", "-p", "8090:80"])
        try #require(web.status == 0, "\(web)")
        let hostname = String(web.stdout.prefix(12))
        // From the host, on its address towards the outside and on the network's gateway.
        #expect(fetch("2001:db8:1::1", 8090)?.contains(hostname) == true)
        #expect(fetch("fd00:5a:3::1", 8090)?.contains(hostname) == true)
        #expect(fetch("127.0.0.1", 8090)?.contains(hostname) == true)
        // From the outside host, which sees its own address (no masquerade inbound).
        let outside = swrun.base + "/outside"
        let fromOutside = Host.run("/usr/bin/nsenter", ["--net=" + outside, "--", "/usr/bin/timeout", "5", "/usr/bin/busybox", "sh", "-c",
                                                        Self.get("2001:db8:1::1", 8090)])
        #expect(fromOutside.status == 0 && fromOutside.stdout.contains(hostname), "\(fromOutside)")
        // A container of the network through the host's address (hairpin).
        let hairpin = fetchFromContainer(["--network", "six3"], "fd00:5a:3::1", 8090)
        #expect(hairpin.status == 0 && hairpin.stdout.contains(hostname), "\(hairpin)")
        // ::1 cannot be published (the kernel drops IPv6 loopback NAT): one line, nothing left.
        let before = networkState()
        let loopback = swrun.run(["run", "--rm", "--network", "six3", "-p", "[::1]:8091:80", "busybox", "true"])
        #expect(loopback.status == 125 && loopback.stderr.contains("[::1]:8091") && loopback.stderr.split(separator: "\n").count == 1,
                "\(loopback)")
        #expect(networkState() == before)
    }

    @Test func outboundIPv6IsMasqueradedAndInternalIPv6NetworksHaveNoWayOut() throws {
        let (_, stop) = try startOutside()
        defer { stop() }
        let seen = fetch("2001:db8:1::2", 9000, "/cgi-bin/ip")
        try #require(seen?.contains("2001:db8:1::1") == true, "the outside server did not answer the host: \(seen ?? "nothing")")
        try #require(swrun.run(["network", "create", "--ipv6", "--subnet", "fd00:5a:4::/64", "six4"]).status == 0)
        let fromContainer = fetchFromContainer(["--network", "six4"], "2001:db8:1::2", 9000, "/cgi-bin/ip")
        #expect(fromContainer.status == 0 && fromContainer.stdout.contains("2001:db8:1::1"), "\(fromContainer)")
        try #require(swrun.run(["network", "create", "--ipv6", "--internal", "--subnet", "fd00:5a:5::/64", "closed6"]).status == 0)
        let closed = fetchFromContainer(["--network", "closed6"], "2001:db8:1::2", 9000, "/cgi-bin/ip")
        #expect(!closed.stdout.contains("2001:db8"), "\(closed)")
        // The last IPv6 network takes swrun's IPv6 table with it.
        #expect(swrun.run(["network", "rm", "six4", "closed6"]).status == 0)
        #expect(!swrun.inNetwork(["/usr/sbin/nft", "list", "ruleset"]).stdout.contains("ip6 swrun"))
    }
}
