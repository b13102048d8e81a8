import Foundation
import SwrunOS
import Synchronization
import Testing
@testable import SwrunNetworkKernel

/// aardvark-dns 1.4 for real, in namespaces these tests make: "host" (where the server
/// runs and listens, a bridge holding the gateways) and "client" (a container on the
/// first bridge by a veth, 10.99.0.2, from where names are looked up). The process's
/// own namespace is never touched; nothing is sent outside those namespaces (single-label
/// names are answered by the server itself, the rest go to a fake upstream in "host").
@Suite("AardvarkDNS", .serialized)
struct AardvarkDNSTests {
    static let binary = "/usr/lib/podman/aardvark-dns"

    @Test func theFileFormatIsAardvarks() {
        var file = AardvarkNetworkFile(gateways: ["10.99.0.1", "fd00::1"])
        file.setEntry(containerID: "c1", ipv4: ["10.99.0.2"], ipv6: [], names: ["web", "www"], upstreams: [])
        file.setEntry(containerID: "c2", ipv4: [], ipv6: ["fd00::3"], names: ["db"], upstreams: ["10.0.0.53", "::1"])
        file.setEntry(containerID: "c1", ipv4: ["10.99.0.4"], ipv6: ["fd00::4"], names: ["web"], upstreams: [])
        #expect(file.text == "10.99.0.1,fd00::1\nc2  fd00::3 db 10.0.0.53,::1\nc1 10.99.0.4 fd00::4 web\n")
        var read = AardvarkNetworkFile(parsing: file.text)
        #expect(read.gateways == ["10.99.0.1", "fd00::1"])
        let removed = read.removeEntry(containerID: "c2")
        let removedMissing = read.removeEntry(containerID: "c9")
        #expect(removed && !removedMissing)
        #expect(read.text == "10.99.0.1,fd00::1\nc1 10.99.0.4 fd00::4 web\n")
    }

    @Test(arguments: [
        ("aardvark.pid", "c1", ["web"], ["10.99.0.2"], "aardvark-dns: invalid network name \"aardvark.pid\""),
        (".hidden", "c1", ["web"], ["10.99.0.2"], "aardvark-dns: invalid network name \".hidden\""),
        ("a/b", "c1", ["web"], ["10.99.0.2"], "aardvark-dns: invalid network name \"a/b\""),
        ("net", "c 1", ["web"], ["10.99.0.2"], "aardvark-dns: invalid container ID \"c 1\""),
        ("net", "c1", ["we,b"], ["10.99.0.2"], "aardvark-dns: invalid DNS name \"we,b\""),
        ("net", "c1", [], ["10.99.0.2"], "aardvark-dns: container c1 has no DNS name"),
        ("net", "c1", ["web"], ["10.99.0.256"], "aardvark-dns: invalid IP address \"10.99.0.256\""),
        ("net", "c1", ["web"], ["fd00::2"], "aardvark-dns: invalid IP address \"fd00::2\""),
    ])
    func badEntriesAreRefusedBeforeAnythingIsWritten(
        network: String, containerID: String, names: [String], ipv4: [String], message: String
    ) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileIO.removeTree(directory) }
        let dns = AardvarkDNS(configDirectory: directory + "/aardvark")
        let error = #expect(throws: SwrunError.self) {
            try dns.add(network: network, gateways: ["10.99.0.1"], upstreams: [], containerID: containerID,
                        ipv4: ipv4, ipv6: [], names: names)
        }
        #expect(error?.message == message)
        #expect(!FileIO.exists(directory + "/aardvark"))
    }

    @Test func namesResolveUntilRemovedAndTheLastRemovalEndsTheServer() throws {
        let sandbox = try DNSSandbox()
        defer { sandbox.tearDown() }
        let dns = sandbox.dns
        let upstream = try FakeUpstream(namespace: sandbox.host, address: "10.99.0.53", name: "outside.test.", answer: [198, 51, 100, 7])
        defer { upstream.stop() }
        // An fd without close-on-exec: the server must not get it.
        let marker = sandbox.directory + "/marker"
        try FileIO.writeFile(marker, "")
        let inherited = open(marker, O_RDONLY)
        defer { close(inherited) }

        let clock = ContinuousClock()
        let start = try clock.measure {
            try sandbox.inHost {
                try dns.add(network: "net1", gateways: ["10.99.0.1"], upstreams: ["10.99.0.53"], containerID: "c1",
                            ipv4: ["10.99.0.2"], ipv6: [], names: ["client"])
            }
        }
        let server = try #require(dns.serverProcessID())
        #expect(dns.isRunning())
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(server)/fd")
        let targets = fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(server)/fd/\($0)") }
        #expect(!targets.contains(marker))
        #expect(!targets.contains { $0.hasPrefix("pipe:") })
        // Its own session, no controlling terminal: "pid (comm) state ppid pgrp session tty_nr".
        let stat = try String(contentsOfFile: "/proc/\(server)/stat", encoding: .utf8)
        let fields = stat[try #require(stat.range(of: ") ")).upperBound...].split(separator: " ")
        #expect(fields[3] == "\(server)")
        #expect(fields[4] == "0")
        #expect(FileManager.default.destinationOfSymbolicLinkOrNil("/proc/\(server)/cwd") == "/")

        let addSecond = try clock.measure {
            try sandbox.inHost {
                try dns.add(network: "net1", gateways: ["10.99.0.1"], upstreams: ["10.99.0.53"], containerID: "c2",
                            ipv4: ["10.99.0.3"], ipv6: ["fd00::3"], names: ["web", "WWW"])
            }
        }
        #expect(dns.serverProcessID() == server)
        #expect(sandbox.lookup("web").contains("Address: 10.99.0.3"))
        #expect(sandbox.lookup("www").contains("Address: 10.99.0.3"))
        #expect(sandbox.lookup("web", type: "AAAA").contains("Address: fd00::3"))
        #expect(sandbox.lookup("client").contains("Address: 10.99.0.2"))
        #expect(sandbox.lookup("nothere").contains("NXDOMAIN"))
        // Other names go to the container's upstream.
        #expect(sandbox.lookup("outside.test").contains("Address: 198.51.100.7"))
        #expect(sandbox.lookup("other.test").contains("NXDOMAIN"))

        let removeOne = try clock.measure { try sandbox.inHost { try dns.remove(network: "net1", containerID: "c2") } }
        #expect(sandbox.lookup("web").contains("NXDOMAIN"))
        #expect(sandbox.lookup("client").contains("Address: 10.99.0.2"))
        #expect(try FileIO.readString(sandbox.config + "/net1") == "10.99.0.1\nc1 10.99.0.2  client 10.99.0.53\n")

        let removeLast = try clock.measure { try sandbox.inHost { try dns.remove(network: "net1", containerID: "c1") } }
        #expect(!dns.isRunning())
        #expect(!DNSSandbox.isAlive(server))
        #expect(try FileIO.directoryNames(sandbox.config).isEmpty)
        #expect(sandbox.listeners() == [])
        print("aardvark-dns: add with start \(start), add with reload \(addSecond), remove with reload \(removeOne), remove with stop \(removeLast)")

        // Removing again is not an error, and a new add starts a new server.
        try sandbox.inHost { try dns.remove(network: "net1", containerID: "c1") }
        try sandbox.inHost {
            try dns.add(network: "net1", gateways: ["10.99.0.1"], upstreams: [], containerID: "c1",
                        ipv4: ["10.99.0.2"], ipv6: [], names: ["client"])
        }
        #expect(dns.isRunning() && dns.serverProcessID() != server)
        try sandbox.inHost { try dns.remove(network: "net1", containerID: "c1") }
        #expect(!dns.isRunning())
    }

    @Test func networksShareOneServerAndChangeAtOnce() throws {
        let sandbox = try DNSSandbox()
        defer { sandbox.tearDown() }
        try sandbox.shell("nsenter --net=\(sandbox.host) sh -ec 'ip link add br1 type bridge; ip addr add 10.98.0.1/24 dev br1; ip link set br1 up'")
        let dns = sandbox.dns
        let failures = Mutex<[String]>([])
        let done = DispatchGroup()
        for (network, gateway, address) in [("net1", "10.99.0.1", "10.99.0.2"), ("net2", "10.98.0.1", "10.98.0.2")] {
            done.enter()
            Thread {
                do {
                    try sandbox.inHost {
                        try dns.add(network: network, gateways: [gateway], upstreams: [], containerID: "c-" + network,
                                    ipv4: [address], ipv6: [], names: [network + "-box"])
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                done.leave()
            }.start()
        }
        done.wait()
        #expect(failures.withLock { $0 } == [])
        let server = try #require(dns.serverProcessID())
        #expect(Set(sandbox.listeners()) == ["10.99.0.1:53", "10.98.0.1:53"])
        #expect(sandbox.lookup("net1-box").contains("Address: 10.99.0.2"))

        try sandbox.inHost { try dns.remove(network: "net1", containerID: "c-net1") }
        #expect(dns.serverProcessID() == server)
        #expect(sandbox.listeners() == ["10.98.0.1:53"])
        #expect(try FileIO.directoryNames(sandbox.config).sorted() == ["aardvark.pid", "net2"])
        try sandbox.inHost { try dns.remove(network: "net2", containerID: "c-net2") }
        #expect(!DNSSandbox.isAlive(server))
        #expect(sandbox.listeners() == [])
    }

    @Test func leftoversOfACrashAreNeitherReadNorSignalled() throws {
        let sandbox = try DNSSandbox()
        defer { sandbox.tearDown() }
        var dns = sandbox.dns
        dns.deadline = .milliseconds(300)
        try FileIO.makeDirectories(sandbox.config)
        // A temporary a crashed writer left (the server would stop on it), and a stale
        // pid file naming a live process that is not the server.
        try FileIO.writeFile(sandbox.config + "/.net1.tmp-1234", "10.99")
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["30"]
        try bystander.run()
        defer { bystander.terminate() }
        try FileIO.writeFile(sandbox.config + "/aardvark.pid", "\(bystander.processIdentifier)")
        #expect(!dns.isRunning())

        try sandbox.inHost {
            try dns.add(network: "net1", gateways: ["10.99.0.1"], upstreams: [], containerID: "c1",
                        ipv4: ["10.99.0.2"], ipv6: [], names: ["client"])
        }
        #expect(bystander.isRunning)
        #expect(dns.serverProcessID() != bystander.processIdentifier)
        #expect(sandbox.lookup("client").contains("Address: 10.99.0.2"))
        #expect(!FileIO.exists(sandbox.config + "/.net1.tmp-1234"))

        // A gateway the namespace does not have: the add fails and leaves no entry.
        let error = #expect(throws: SwrunError.self) {
            try sandbox.inHost {
                try dns.add(network: "net2", gateways: ["10.97.0.1"], upstreams: [], containerID: "c2",
                            ipv4: ["10.97.0.2"], ipv6: [], names: ["other"])
            }
        }
        #expect(error?.message == "\(AardvarkDNSTests.binary) does not listen on port 53 of 10.97.0.1 after 0.3 seconds")
        #expect(!FileIO.exists(sandbox.config + "/net2"))
        try sandbox.inHost { try dns.remove(network: "net1", containerID: "c1") }
        #expect(!dns.isRunning())
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/swrun-dns-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw SwrunError.system("mkdtemp") }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Two namespaces pinned under a temporary directory: "host", with a bridge br0
/// holding 10.99.0.1/24 and 10.99.0.53/24, and "client", with 10.99.0.2/24 on a veth
/// to br0; the server's config directory beside them.
private final class DNSSandbox: Sendable {
    let directory: String
    let host: String
    let client: String
    let config: String
    let dns: AardvarkDNS

    init() throws {
        directory = try AardvarkDNSTests.temporaryDirectory()
        host = directory + "/host"
        client = directory + "/client"
        config = directory + "/aardvark"
        dns = AardvarkDNS(configDirectory: config, binary: AardvarkDNSTests.binary)
        try NetworkNamespace.create(at: host)
        try NetworkNamespace.create(at: client)
        try shell("""
            nsenter --net=\(host) sh -ec '
              ip link set lo up
              ip link add br0 type bridge
              ip addr add 10.99.0.1/24 dev br0
              ip addr add 10.99.0.53/24 dev br0
              ip link set br0 up
              ip link add v0 type veth peer name v1
              ip link set v1 netns \(client)
              ip link set v0 master br0 up'
            nsenter --net=\(client) sh -ec 'ip link set lo up; ip addr add 10.99.0.2/24 dev v1; ip link set v1 up'
            """)
    }

    /// Ends a server a failed test left, and removes the namespaces and files.
    func tearDown() {
        if let pid = dns.serverProcessID() { kill(pid, SIGKILL) }
        try? NetworkNamespace.remove(at: client)
        try? NetworkNamespace.remove(at: host)
        try? FileIO.removeTree(directory)
    }

    func inHost<T>(_ body: () throws -> T) throws -> T {
        try NetworkNamespace.perform(in: host, body)
    }

    /// busybox nslookup from the client, asking the server on the first bridge.
    func lookup(_ name: String, type: String = "A") -> String {
        (try? shell("nsenter --net=\(client) timeout 5 /bin/busybox nslookup -type=\(type) \(name) 10.99.0.1 2>&1")) ?? ""
    }

    /// "ADDRESS:PORT" of each UDP socket bound to port 53 in the host namespace but the
    /// fake upstream's.
    func listeners() -> [String] {
        let table = (try? shell("nsenter --net=\(host) cat /proc/net/udp")) ?? ""
        return table.split(separator: "\n").dropFirst().compactMap { line in
            let local = line.split(separator: " ")[1].split(separator: ":")
            guard local[1] == "0035", let word = UInt32(local[0], radix: 16) else { return nil }
            let bytes = withUnsafeBytes(of: word) { Array($0) }
            let address = bytes.map(String.init).joined(separator: ".")
            return address == "10.99.0.53" ? nil : address + ":53"
        }
    }

    @discardableResult
    func shell(_ command: String) throws -> String {
        try FileIO.capture("/bin/sh", ["-c", command])
    }

    /// Whether `pid` is a live process (a zombie nobody reaped is not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? FileIO.readString("/proc/\(pid)/stat"), let end = stat.range(of: ") ") else { return false }
        return !stat[end.upperBound...].hasPrefix("Z")
    }
}

/// A DNS server on `address`:53 in a namespace, standing for the host's resolver: A
/// queries for `name` get `answer`, every other query NXDOMAIN.
private final class FakeUpstream: Sendable {
    private let stopPipe: (read: Int32, write: Int32)

    init(namespace: String, address: String, name: String, answer: [UInt8]) throws {
        let socket = try NetworkNamespace.perform(in: namespace) { () throws -> Int32 in
            let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SwrunError.system("socket") }
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_port = in_port_t(53).bigEndian
            inet_pton(AF_INET, address, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw SwrunError.system("bind \(address):53")
            }
            return fd
        }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SwrunError.system("pipe") }
        stopPipe = (fds[0], fds[1])
        let stop = fds[0]
        Thread {
            defer {
                close(socket)
                close(stop)
            }
            var buffer = [UInt8](repeating: 0, count: 1500)
            while true {
                var entries = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0), pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
                guard poll(&entries, 2, -1) > 0, entries[1].revents == 0 else { return }
                var peer = sockaddr_storage()
                var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(socket, &buffer, buffer.count, 0, $0, &peerLength) }
                }
                guard count > 12, let reply = Self.reply(to: Array(buffer[0..<count]), name: name, answer: answer) else { continue }
                _ = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(socket, reply, reply.count, 0, $0, peerLength) }
                }
            }
        }.start()
    }

    func stop() {
        close(stopPipe.write)
    }

    /// The response to one query: its ID and question, then the answer or NXDOMAIN.
    private static func reply(to query: [UInt8], name: String, answer: [UInt8]) -> [UInt8]? {
        var index = 12
        var labels: [String] = []
        while index < query.count, query[index] != 0 {
            let length = Int(query[index])
            guard index + 1 + length <= query.count else { return nil }
            labels.append(String(decoding: query[(index + 1)..<(index + 1 + length)], as: UTF8.self))
            index += 1 + length
        }
        let questionEnd = index + 5
        guard questionEnd <= query.count else { return nil }
        let type = UInt16(query[index + 1]) << 8 | UInt16(query[index + 2])
        let found = labels.joined(separator: ".").lowercased() + "." == name
        let answers: [UInt8] = found && type == 1 ? [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + answer : []
        let header: [UInt8] = [query[0], query[1], 0x81, found ? 0x80 : 0x83, 0, 1, 0, answers.isEmpty ? 0 : 1, 0, 0, 0, 0]
        return header + query[12..<questionEnd] + answers
    }
}

extension FileManager {
    fileprivate func destinationOfSymbolicLinkOrNil(_ path: String) -> String? {
        try? destinationOfSymbolicLink(atPath: path)
    }
}
