import Foundation
import Glibc
import Testing
@testable import SwrunNetwork
import SwrunOS

/// `NetworkStore`: networks, their subnets, and the addresses given out on them.
@Suite struct NetworkStoreTests {
    let root: String
    let store: NetworkStore

    init() throws {
        var template = Array("/tmp/swrun-netstore-XXXXXX".utf8CString)
        root = String(cString: try #require(mkdtemp(&template)))
        store = NetworkStore(root: root, hostRoutes: { [] })
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

    func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func thePredefinedNetworksExistOnceAndKeepTheirIDs() throws {
        defer { cleanUp() }
        let networks = try store.list()
        #expect(networks.map(\.name) == ["bridge", "host", "none"])
        #expect(networks.map(\.driver) == ["bridge", "host", "null"])
        let bridge = networks[0]
        #expect(bridge.bridgeName == "swrun0")
        #expect(bridge.subnets.map(\.subnet.description) == ["172.17.0.0/16"])
        #expect(bridge.subnets.map(\.gateway.description) == ["172.17.0.1"])
        #expect(!bridge.dnsEnabled && !bridge.internal && !bridge.enableIPv6 && bridge.isPredefined)
        #expect(networks.allSatisfy { NetworkStore.isID($0.id) })
        let again = try NetworkStore(root: root).list()
        #expect(again.map(\.id) == networks.map(\.id))
        #expect(try store.lookup(NetworkStore.defaultNetworkName) == bridge)
    }

    @Test func createPicksDockersPoolsAndNamesTheBridge() throws {
        defer { cleanUp() }
        let web = try store.create(NetworkCreateRequest(name: "web", labels: ["tier": "front"]))
        #expect(web.subnets.map(\.subnet.description) == ["172.18.0.0/16"])
        #expect(web.subnets.map(\.gateway.description) == ["172.18.0.1"])
        #expect(web.subnets.allSatisfy { !$0.userConfigured && $0.ipRange == nil })
        #expect(web.bridgeName == "swbr-" + web.id.prefix(10))
        #expect(web.dnsEnabled && web.driver == "bridge" && web.labels == ["tier": "front"])
        let db = try store.create(NetworkCreateRequest(name: "db"))
        #expect(db.subnets.map(\.subnet.description) == ["172.19.0.0/16"])

        #expect(try store.lookup("web") == web)
        #expect(try store.lookup(web.id) == web)
        #expect(try store.lookup(String(web.id.prefix(8))) == web)
        #expect(message { _ = try store.lookup("nosuch") } == "network nosuch not found")
        #expect(try store.list().map(\.name) == ["bridge", "host", "none", "web", "db"])
        let config = try FileIO.readString(root + "/networks/\(web.id)/config.json")
        #expect(config.contains("\"name\":\"web\""))
    }

    @Test func automaticSubnetsKeepClearOfHostRoutesAndOtherNetworks() throws {
        defer { cleanUp() }
        let routed = NetworkStore(root: root, hostRoutes: { [IPNetwork(cidr: "172.18.0.0/16")!, IPNetwork(cidr: "172.16.0.0/15")!] })
        _ = try routed.create(NetworkCreateRequest(name: "manual", subnets: ["172.20.0.0/24"]))
        let picked = try routed.create(NetworkCreateRequest(name: "auto"))
        #expect(picked.subnets.map(\.subnet.description) == ["172.19.0.0/16"])
        #expect(try routed.create(NetworkCreateRequest(name: "next")).subnets.map(\.subnet.description) == ["172.21.0.0/16"])

        let full = NetworkStore(root: root, hostRoutes: { [IPNetwork(cidr: "172.16.0.0/12")!, IPNetwork(cidr: "192.168.0.0/17")!] })
        #expect(try full.create(NetworkCreateRequest(name: "late")).subnets.map(\.subnet.description) == ["192.168.128.0/20"])
        let none = NetworkStore(root: root, hostRoutes: { [IPNetwork(cidr: "172.16.0.0/12")!, IPNetwork(cidr: "192.168.0.0/16")!] })
        #expect(message { _ = try none.create(NetworkCreateRequest(name: "nowhere")) }
            == "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
        #expect(try none.list().map(\.name).contains("nowhere") == false)
    }

    @Test func createRefusesInDockersWords() throws {
        defer { cleanUp() }
        _ = try store.create(NetworkCreateRequest(name: "web", subnets: ["10.1.0.0/16"]))
        let cases: [(NetworkCreateRequest, String)] = [
            (NetworkCreateRequest(name: "web"), "network with name web already exists"),
            (NetworkCreateRequest(name: "bridge"), "operation is not permitted on predefined bridge network"),
            (NetworkCreateRequest(name: "default"), "operation is not permitted on predefined default network"),
            (NetworkCreateRequest(name: "a b"), "invalid network name \"a b\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
            (NetworkCreateRequest(name: "x", subnets: ["10.1.5.0/24"]), "invalid pool request: Pool overlaps with other one on this address space"),
            (NetworkCreateRequest(name: "x", subnets: ["172.17.3.0/24"]), "invalid pool request: Pool overlaps with other one on this address space"),
            (NetworkCreateRequest(name: "x", subnets: ["172.20.0.1/16"]), "invalid network config: invalid subnet 172.20.0.1/16: it should be 172.20.0.0/16"),
            (NetworkCreateRequest(name: "x", subnets: ["172.20.0.0/33"]), "invalid network config: invalid subnet 172.20.0.0/33: invalid CIDR block notation"),
            (NetworkCreateRequest(name: "x", gateways: ["10.0.0.1"]), "every ip-range or gateway must have a corresponding subnet"),
            (NetworkCreateRequest(name: "x", subnets: ["10.2.0.0/24"], gateways: ["10.3.0.1"]), "no matching subnet for gateway 10.3.0.1"),
            (NetworkCreateRequest(name: "x", subnets: ["10.2.0.0/24"], ipRanges: ["10.3.0.0/25"]), "no matching subnet for range 10.3.0.0/25"),
            (NetworkCreateRequest(name: "x", subnets: ["10.2.0.0/24"], ipRanges: ["10.2.0.0/16"]),
             "invalid network config: invalid ip-range 10.2.0.0/16: CIDR block is bigger than its parent subnet 10.2.0.0/24"),
            (NetworkCreateRequest(name: "x", subnets: ["10.2.0.0/24", "10.2.0.128/25"]), "multiple overlapping subnet configuration is not supported"),
            (NetworkCreateRequest(name: "x", subnets: ["10.2.0.0/24", "10.3.0.0/24"], gateways: ["10.2.0.1", "10.2.0.2"]),
             "cannot configure multiple gateways (10.2.0.2, 10.2.0.1) for the same subnet (10.2.0.0/24)"),
            (NetworkCreateRequest(name: "x", subnets: ["10.2.0.0/24"], gateways: ["10.2.0.255"]), "failed to allocate gateway (10.2.0.255): Address already in use"),
            (NetworkCreateRequest(name: "x", subnets: ["10.2.0.0/24"], gateways: ["nope"]),
             "invalid argument \"nope\" for \"--gateway\" flag: invalid string being converted to IP address: nope"),
            (NetworkCreateRequest(name: "x", subnets: ["fd00:9::/64"]), "IPv6 subnet fd00:9::/64 needs --ipv6"),
            (NetworkCreateRequest(name: "x", driver: "overlay"), "driver \"overlay\" is not supported: swrun networks use the bridge driver"),
            (NetworkCreateRequest(name: "x", driver: "host"), "only one instance of \"host\" network is allowed"),
            (NetworkCreateRequest(name: "x", options: [NetworkStore.bridgeNameOption: "much-too-long-name"]),
             "invalid bridge name \"much-too-long-name\": an interface name has 1 to 15 characters, without '/', ':' or spaces"),
        ]
        for (request, expected) in cases {
            #expect(message { _ = try store.create(request) } == expected)
        }
        #expect(try store.list().map(\.name) == ["bridge", "host", "none", "web"])
        #expect(try FileIO.directoryNames(root + "/networks").filter { !$0.hasPrefix(".") }.count == 4)
    }

    @Test func createKeepsWhatTheUserConfigured() throws {
        defer { cleanUp() }
        let request = NetworkCreateRequest(
            name: "lab", subnets: ["10.30.0.0/16", "fd00:30::/64"], gateways: ["10.30.255.254"], ipRanges: ["10.30.7.9/24"],
            internal: true, ipv6: true, labels: ["a": ""], options: [NetworkStore.bridgeNameOption: "labbr0", "com.docker.network.driver.mtu": "1400"])
        let lab = try store.create(request)
        #expect(lab.subnets.map(\.subnet.description) == ["10.30.0.0/16", "fd00:30::/64"])
        #expect(lab.subnets.map(\.gateway.description) == ["10.30.255.254", "fd00:30::1"])
        #expect(lab.subnets.map { $0.ipRange?.description } == ["10.30.7.0/24", nil])
        #expect(lab.subnets.allSatisfy { $0.userConfigured })
        #expect(lab.bridgeName == "labbr0" && lab.internal && lab.enableIPv6)
        #expect(lab.options["com.docker.network.driver.mtu"] == "1400")
        #expect(lab.addressFamilies == [.v4, .v6])
        #expect(message { _ = try store.create(NetworkCreateRequest(name: "twin", options: [NetworkStore.bridgeNameOption: "labbr0"])) }?
            .hasSuffix("networks have same bridge name") == true)

        let auto6 = try store.create(NetworkCreateRequest(name: "auto6", ipv6: true))
        #expect(auto6.subnets.count == 2)
        let v6 = try #require(auto6.subnets.last)
        #expect(v6.subnet.prefixLength == 64 && IPNetwork(cidr: "fd00::/8")!.contains(v6.subnet) && !v6.userConfigured)
        #expect(v6.gateway == v6.subnet.address(at: 1))
    }

    @Test func removeRefusesThePredefinedAndNetworksInUse() throws {
        defer { cleanUp() }
        let web = try store.create(NetworkCreateRequest(name: "web", subnets: ["10.4.0.0/24"]))
        #expect(message { try store.remove("bridge") } == "bridge is a pre-defined network and cannot be removed")
        #expect(message { try store.remove("none") } == "none is a pre-defined network and cannot be removed")
        #expect(message { try store.remove("nosuch") } == "network nosuch not found")
        _ = try store.allocateAddress(in: web, containerID: "c1")
        #expect(message { try store.remove("web") } == "error while removing network: network web id \(web.id) has active endpoints")
        try store.releaseAddresses(of: "c1", in: web)
        try store.remove(String(web.id.prefix(6)))
        #expect(message { _ = try store.lookup("web") } == "network web not found")
        #expect(try FileIO.directoryNames(root + "/networks").filter { $0.contains(web.id) }.isEmpty)
        #expect(message { _ = try store.allocateAddress(in: web, containerID: "c2") } == "network web not found")
        try store.releaseAddresses(of: "c1", in: web)
    }

    @Test func aSmallSubnetHandsOutEachHostOnceAndReusesReleasedOnes() throws {
        defer { cleanUp() }
        let small = try store.create(NetworkCreateRequest(name: "small", subnets: ["10.9.0.0/29"]))
        var given: [String] = []
        for index in 1...5 {
            given.append(try store.allocateAddress(in: small, containerID: "c\(index)").description)
        }
        #expect(given == ["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"])
        #expect(message { _ = try store.allocateAddress(in: small, containerID: "c6") }
            == "no available IPv4 addresses on this network's address pools: small (\(small.id))")
        #expect(try store.allocateAddress(in: small, containerID: "c2") == ip("10.9.0.3"))
        try store.releaseAddresses(of: "c3", in: small)
        try store.releaseAddresses(of: "c2", in: small)
        #expect(try store.allocateAddress(in: small, containerID: "c7") == ip("10.9.0.3"))
        #expect(try store.allocateAddress(in: small, containerID: "c8") == ip("10.9.0.4"))
        let allocations = try store.allocations(in: small)
        #expect(allocations.count == 5)
        #expect(allocations[ip("10.9.0.3")] == "c7" && allocations[ip("10.9.0.2")] == "c1")
        #expect(try FileIO.readString(root + "/networks/\(small.id)/addresses/10.9.0.4") == "c8\n")
    }

    @Test func theDefaultBridgeStartsAtTwo() throws {
        defer { cleanUp() }
        let bridge = try store.lookup("bridge")
        #expect(try store.allocateAddress(in: bridge, containerID: "a") == ip("172.17.0.2"))
        #expect(try store.allocateAddress(in: bridge, containerID: "b") == ip("172.17.0.3"))
    }

    @Test func anIPRangeLimitsThePool() throws {
        defer { cleanUp() }
        let ranged = try store.create(NetworkCreateRequest(name: "ranged", subnets: ["10.20.0.0/24"], ipRanges: ["10.20.0.128/30"]))
        let given = try (1...4).map { try store.allocateAddress(in: ranged, containerID: "r\($0)").description }
        #expect(given == ["10.20.0.128", "10.20.0.129", "10.20.0.130", "10.20.0.131"])
        #expect(message { _ = try store.allocateAddress(in: ranged, containerID: "r5") }?.hasPrefix("no available IPv4 addresses") == true)
        // A requested address may lie outside the range, inside the subnet, as in docker.
        #expect(try store.allocateAddress(in: ranged, containerID: "r5", requested: ip("10.20.0.9")) == ip("10.20.0.9"))
    }

    @Test func requestedAddresses() throws {
        defer { cleanUp() }
        let lab = try store.create(NetworkCreateRequest(name: "lab", subnets: ["10.10.0.0/24"]))
        #expect(try store.allocateAddress(in: lab, containerID: "a", requested: ip("10.10.0.50")) == ip("10.10.0.50"))
        #expect(try store.allocateAddress(in: lab, containerID: "a", requested: ip("10.10.0.50")) == ip("10.10.0.50"))
        #expect(message { _ = try store.allocateAddress(in: lab, containerID: "b", requested: ip("10.10.0.50")) } == "Address already in use")
        #expect(message { _ = try store.allocateAddress(in: lab, containerID: "b", requested: ip("10.10.0.1")) } == "Address already in use")
        #expect(message { _ = try store.allocateAddress(in: lab, containerID: "b", requested: ip("10.10.0.255")) } == "Address already in use")
        #expect(message { _ = try store.allocateAddress(in: lab, containerID: "b", requested: ip("10.11.0.5")) }
            == "no configured subnet or ip-range contain the IP address 10.11.0.5")
        #expect(message { _ = try store.allocateAddress(in: lab, containerID: "b", requested: ip("fd00::5")) }
            == "network lab has no IPv6 subnet")
        let auto = try store.create(NetworkCreateRequest(name: "auto"))
        let userConfigured = "user specified IP address is supported only when connecting to networks with user configured subnets"
        #expect(message { _ = try store.allocateAddress(in: auto, containerID: "b", requested: ip("172.18.0.9")) } == userConfigured)
        #expect(message { _ = try store.allocateAddress(in: store.lookup("bridge"), containerID: "b", requested: ip("172.17.0.9")) } == userConfigured)
        #expect(message { _ = try store.allocateAddress(in: store.lookup("host"), containerID: "b") } == "network host has no IPv4 subnet")
        #expect(try store.allocateAddress(in: lab, containerID: "b") == ip("10.10.0.2"))
    }

    @Test func dualStackNetworksGiveOneAddressOfEachFamily() throws {
        defer { cleanUp() }
        let dual = try store.create(NetworkCreateRequest(name: "dual", subnets: ["10.40.0.0/24", "fd00:40::/64"], ipv6: true))
        #expect(try store.allocateAddresses(in: dual, containerID: "a").map(\.description) == ["10.40.0.2", "fd00:40::2"])
        #expect(try store.allocateAddresses(in: dual, containerID: "b", requested: [ip("fd00:40::99")]).map(\.description)
            == ["10.40.0.3", "fd00:40::99"])
        // All or nothing: the taken IPv6 address undoes the IPv4 one given on the way.
        #expect(message { _ = try store.allocateAddresses(in: dual, containerID: "c", requested: [ip("fd00:40::99")]) } == "Address already in use")
        #expect(try store.allocations(in: dual).values.contains("c") == false)
        try store.releaseAddresses(of: "a", in: dual)
        #expect(try store.allocations(in: dual).count == 2)
    }

    @Test func twentyThreadsAllocatingUnderTheLockGetDistinctAddresses() throws {
        defer { cleanUp() }
        let busy = try store.create(NetworkCreateRequest(name: "busy", subnets: ["10.50.0.0/24"]))
        let results = ResultBox()
        let group = DispatchGroup()
        for index in 0..<20 {
            group.enter()
            let thread = Thread { [store] in
                defer { group.leave() }
                do {
                    let address = try store.withLock(busy) {
                        try store.allocateAddress(in: busy, containerID: "t\(index)", durability: .atomic)
                    }
                    results.add(.success(address))
                } catch {
                    results.add(.failure(SwrunError.oneLine(error)))
                }
            }
            thread.start()
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        let addresses = results.values.compactMap(\.address)
        #expect(addresses.count == 20, "\(results.values)")
        #expect(Set(addresses).count == 20)
        #expect(Set(addresses.map(\.description)) == Set((2...21).map { "10.50.0.\($0)" }))
        #expect(try store.allocations(in: busy).count == 20)
    }

    @Test func withLockIsReentrantAndNoticesARemovedNetwork() throws {
        defer { cleanUp() }
        let web = try store.create(NetworkCreateRequest(name: "web", subnets: ["10.60.0.0/24"]))
        let inner = try store.withLock(web) {
            try store.withLock(web) { try store.allocateAddress(in: web, containerID: "x") }
        }
        #expect(inner == ip("10.60.0.2"))
        try store.releaseAddresses(of: "x", in: web)
        try store.remove("web")
        #expect(message { try store.withLock(web) {} } == "network web not found")
    }

    @Test func crashLeftoversAreSwept() throws {
        defer { cleanUp() }
        let web = try store.create(NetworkCreateRequest(name: "web", subnets: ["10.70.0.0/24"]))
        let networks = root + "/networks"
        try FileIO.makeDirectories(networks + "/" + NetworkStore.unfinishedPrefix + String(repeating: "a", count: 64) + "/addresses")
        try FileIO.makeDirectories(networks + "/" + FileIO.removalPrefix + String(repeating: "b", count: 64))
        try FileIO.writeFile(networks + "/\(web.id)/addresses/.10.70.0.2.tmp-1234", "half")
        #expect(try store.allocateAddress(in: web, containerID: "c") == ip("10.70.0.2"))
        #expect(try FileIO.directoryNames(networks + "/\(web.id)/addresses") == ["10.70.0.2"])
        _ = try store.create(NetworkCreateRequest(name: "other"))
        #expect(try FileIO.directoryNames(networks).filter { $0.hasPrefix(".") && $0 != ".lock" }.isEmpty)
        #expect(try store.list().count == 5)
    }

    @Test func staleAllocationsAreReleasedForContainersThatAreGone() throws {
        defer { cleanUp() }
        let web = try store.create(NetworkCreateRequest(name: "web", subnets: ["10.80.0.0/24"]))
        _ = try store.allocateAddress(in: web, containerID: "alive")
        _ = try store.allocateAddress(in: web, containerID: "dead")
        #expect(try store.releaseStaleAddresses(in: web) { $0 == "alive" } == ["dead"])
        #expect(try store.allocations(in: web) == [ip("10.80.0.2"): "alive"])
    }
}

/// Results gathered from several threads.
final class ResultBox: @unchecked Sendable {
    enum Outcome {
        case success(IPAddress), failure(String)

        var address: IPAddress? {
            guard case .success(let address) = self else { return nil }
            return address
        }
    }
    private let lock = NSLock()
    private var outcomes: [Outcome] = []

    func add(_ outcome: Outcome) {
        lock.lock()
        outcomes.append(outcome)
        lock.unlock()
    }

    var values: [Outcome] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes
    }
}
