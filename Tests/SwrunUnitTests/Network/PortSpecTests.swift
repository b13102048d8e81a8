import Glibc
import Testing
@testable import SwrunNetwork
import SwrunOS

private func mapping(_ hostIP: String, _ hostPort: UInt16, _ containerPort: UInt16, _ proto: String = "tcp", end: UInt16? = nil) -> PortMapping {
    PortMapping(hostIP: hostIP, hostPort: hostPort, hostPortEnd: end, containerPort: containerPort, proto: proto)
}

/// docker's `-p` syntax, accepted and refused as docker does.
@Suite struct PortSpecTests {
    @Test(arguments: [
        ("80", [mapping("", 0, 80)]),
        ("8080:80", [mapping("", 8080, 80)]),
        ("127.0.0.1:8080:80/udp", [mapping("127.0.0.1", 8080, 80, "udp")]),
        ("127.0.0.1::80", [mapping("127.0.0.1", 0, 80)]),
        ("[::1]:8080:80", [mapping("::1", 8080, 80)]),
        ("[0:0::1]:8080:80/tcp", [mapping("::1", 8080, 80)]),
        ("::1:8080:80", [mapping("::1", 8080, 80)]),
        ("0.0.0.0:53:53/udp", [mapping("0.0.0.0", 53, 53, "udp")]),
        ("8000-8002:80-82", [mapping("", 8000, 80), mapping("", 8001, 81), mapping("", 8002, 82)]),
        ("8000-8010:80", [mapping("", 8000, 80, end: 8010)]),
        ("80-81/udp", [mapping("", 0, 80, "udp"), mapping("", 0, 81, "udp")]),
        ("80/UDP", [mapping("", 0, 80, "udp")]),
        ("80/", [mapping("", 0, 80)]),
        ("published=8080,target=80", [mapping("", 8080, 80)]),
        ("target=53,published=5353,protocol=udp", [mapping("", 5353, 53, "udp")]),
        ("target=80", [mapping("", 0, 80)]),
    ])
    func accepted(spec: String, expected: [PortMapping]) throws {
        #expect(try PortSpec.parse(spec) == expected)
    }

    @Test(arguments: [
        ("8000-8001:80-82", "invalid ranges specified for container and host Ports: 80-82 and 8000-8001"),
        ("abc", "invalid containerPort: abc"),
        ("8080:abc", "invalid containerPort: abc"),
        ("x:80", "invalid hostPort: x"),
        ("90-80:80", "invalid hostPort: 90-80"),
        ("1.2.3:8080:80", "invalid IP address: 1.2.3"),
        ("localhost:8080:80", "invalid IP address: localhost"),
        ("8080:", "no port specified: 8080:<empty>"),
        ("8080:/tcp", "no port specified: 8080:/tcp<empty>"),
        ("80/xyz", "invalid proto: xyz"),
        ("70000", "invalid containerPort: 70000"),
        ("82-80", "invalid containerPort: 82-80"),
        ("80-", "invalid containerPort: 80-"),
        ("0", "invalid containerPort: 0"),
        ("-1", "invalid containerPort: -1"),
        ("published=8080,target", "invalid publish opts format (should be name=value but got 'target')"),
        ("80/sctp", "sctp ports are not supported"),
    ])
    func refused(spec: String, expected: String) {
        #expect(throws: SwrunError.self) { try PortSpec.parse(spec) }
        do {
            _ = try PortSpec.parse(spec)
        } catch let error as SwrunError {
            #expect(error.message == expected)
            #expect(error.code == .invalidArgument || error.code == .unsupported)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func exposedPorts() throws {
        for (key, port, proto) in [("80/tcp", UInt16(80), "tcp"), ("53/udp", 53, "udp"), ("8080", 8080, "tcp")] {
            let exposed = try PortSpec.parseExposed(key)
            #expect(exposed.port == port && exposed.proto == proto)
        }
        for key in ["x/tcp", "80/sctp", "0/tcp", "80/tcp/x", ""] {
            #expect(throws: SwrunError.self) { try PortSpec.parseExposed(key) }
        }
    }

    @Test func mappingsDescribeThemselvesAsDockerDoes() {
        #expect(PortMapping(hostPort: 8080, containerPort: 80).description == "0.0.0.0:8080->80/tcp")
        #expect(PortMapping(hostIP: "::1", hostPort: 53, containerPort: 53, proto: "udp").description == "[::1]:53->53/udp")
    }
}

/// `PortReservations`: host ports held by containers, checked against each other and
/// against the host (sockets bound on loopback only).
@Suite struct PortReservationsTests {
    let root: String

    init() throws {
        var template = Array("/tmp/swrun-ports-XXXXXX".utf8CString)
        root = String(cString: try #require(mkdtemp(&template)))
    }

    func cleanUp() { try? FileIO.removeTree(root) }

    func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return SwrunError.oneLine(error)
        }
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks; listening when asked.
    static func boundSocket(listening: Bool) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        if listening { try #require(listen(fd, 1) == 0) }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// `count` consecutive ports free on 127.0.0.1 right now.
    static func freePorts(_ count: Int) throws -> ClosedRange<UInt16> {
        for _ in 0..<50 {
            let start = UInt16.random(in: 20000...30000)
            let range = start...(start + UInt16(count - 1))
            if range.allSatisfy({ PortProbe.bindError(PortMapping(hostIP: "127.0.0.1", hostPort: $0, containerPort: 1)) == nil }) {
                return range
            }
        }
        throw SwrunError(.internalError, "no \(count) free ports")
    }

    func loopback(_ port: UInt16, _ containerPort: UInt16 = 80, proto: String = "tcp") -> PortMapping {
        PortMapping(hostIP: "127.0.0.1", hostPort: port, containerPort: containerPort, proto: proto)
    }

    @Test func aPortHeldByAnotherContainerIsRefusedUntilReleased() throws {
        defer { cleanUp() }
        let reservations = PortReservations(root: root)
        let port = try Self.freePorts(1).lowerBound
        #expect(try reservations.reserve([loopback(port)], containerID: "c1") == [loopback(port)])
        #expect(message { _ = try reservations.reserve([loopback(port)], containerID: "c2") }
            == "Bind for 127.0.0.1:\(port) failed: port is already allocated")
        #expect(message { _ = try reservations.reserve([PortMapping(hostPort: port, containerPort: 80)], containerID: "c2") }
            == "Bind for 0.0.0.0:\(port) failed: port is already allocated")
        #expect(try reservations.reserve([loopback(port, proto: "udp")], containerID: "c2") == [loopback(port, proto: "udp")])
        #expect(try reservations.reserved(by: "c1") == [loopback(port)])
        try reservations.release(containerID: "c1")
        #expect(try reservations.reserved(by: "c1").isEmpty)
        #expect(try reservations.reserve([loopback(port, 81)], containerID: "c3") == [loopback(port, 81)])
        #expect(try FileIO.readString(root + "/ports/tcp-\(port)-127.0.0.1") == "c3 81\n")
    }

    @Test func allOrNothing() throws {
        defer { cleanUp() }
        let reservations = PortReservations(root: root)
        let ports = try Self.freePorts(2)
        _ = try reservations.reserve([loopback(ports.upperBound)], containerID: "first")
        #expect(message { _ = try reservations.reserve([loopback(ports.lowerBound), loopback(ports.upperBound, 81)], containerID: "second") }
            == "Bind for 127.0.0.1:\(ports.upperBound) failed: port is already allocated")
        #expect(try reservations.reserved(by: "second").isEmpty)
        #expect(message { _ = try reservations.reserve([loopback(ports.lowerBound), loopback(ports.lowerBound, 81)], containerID: "second") }
            == "Bind for 127.0.0.1:\(ports.lowerBound) failed: port is already allocated")
        #expect(try reservations.reserved(by: "second").isEmpty)
        let listing = try FileIO.directoryNames(root + "/ports").sorted()
        #expect(listing == [".lock", "tcp-\(ports.upperBound)-127.0.0.1"])
    }

    @Test func automaticPortsComeFromTheRangeLowestFirst() throws {
        defer { cleanUp() }
        let range = try Self.freePorts(3)
        let reservations = PortReservations(root: root, ephemeralRange: { range })
        let any = PortMapping(hostIP: "127.0.0.1", containerPort: 80)
        #expect(try reservations.reserve([any, any], containerID: "a").map(\.hostPort) == [range.lowerBound, range.lowerBound + 1])
        #expect(try reservations.reserve([any], containerID: "b").map(\.hostPort) == [range.upperBound])
        #expect(message { _ = try reservations.reserve([any], containerID: "c") } == "all ports are allocated")
        try reservations.release(containerID: "a")
        let ranged = PortMapping(hostIP: "127.0.0.1", hostPort: range.lowerBound, hostPortEnd: range.upperBound, containerPort: 8080)
        #expect(try reservations.reserve([ranged], containerID: "c")
            == [PortMapping(hostIP: "127.0.0.1", hostPort: range.lowerBound, containerPort: 8080)])
        #expect(PortProbe.ephemeralRange(file: "/nonexistent") == 32768...60999)
        #expect(PortProbe.ephemeralRange().count > 1)
    }

    @Test func aPortBoundOnTheHostIsRefusedAndSkipped() throws {
        defer { cleanUp() }
        let (fd, port) = try Self.boundSocket(listening: true)
        defer { close(fd) }
        let reservations = PortReservations(root: root, ephemeralRange: { port...(port &+ 1) })
        #expect(PortProbe.bindError(loopback(port)) == EADDRINUSE)
        #expect(message { _ = try reservations.reserve([loopback(port)], containerID: "c") }
            == "Bind for 127.0.0.1:\(port) failed: port is already allocated")
        #expect(try reservations.reserved(by: "c").isEmpty)
        if PortProbe.bindError(loopback(port &+ 1)) == nil {
            #expect(try reservations.reserve([PortMapping(hostIP: "127.0.0.1", containerPort: 80)], containerID: "c").map(\.hostPort) == [port &+ 1])
        }
        // UDP on the same port is another socket's business.
        #expect(PortProbe.bindError(loopback(port, proto: "udp")) == nil)
        #expect(message { _ = try reservations.reserve([PortMapping(hostIP: "198.51.100.7", hostPort: 8080, containerPort: 80)], containerID: "d") }
            == "Error starting userland proxy: listen tcp4 198.51.100.7:8080: bind: cannot assign requested address")
    }

    @Test func staleReservationsAndCrashLeftoversGo() throws {
        defer { cleanUp() }
        let reservations = PortReservations(root: root)
        let ports = try Self.freePorts(2)
        _ = try reservations.reserve([loopback(ports.lowerBound)], containerID: "alive")
        _ = try reservations.reserve([loopback(ports.upperBound)], containerID: "dead")
        try FileIO.writeFile(root + "/ports/.tcp-1-all.tmp-99", "half")
        #expect(try reservations.releaseStale { $0 == "alive" } == ["dead"])
        let listing = try FileIO.directoryNames(root + "/ports").sorted()
        #expect(listing == [".lock", "tcp-\(ports.lowerBound)-127.0.0.1"])
        #expect(try reservations.all().map(\.containerID) == ["alive"])
    }
}
