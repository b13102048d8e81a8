// swrun-net: sets up and tears down a container's network (netlink, nftables, DNS).
// A program of its own because libnftables comes only as a shared library and swrun
// links fully static; swrun runs it for `run` and `rm`, the monitor when a container ends.
//
//   swrun-net --root ROOT attach REQUEST.json   the record goes to ROOT/network/attachments/ID.json
//   swrun-net --root ROOT detach ID
//   swrun-net --root ROOT connect REQUEST.json   one more network for a running container (the request's one endpoint)
//   swrun-net --root ROOT disconnect ID:NETWORK
//   swrun-net --root ROOT network-up NETWORK     the bridge and its firewall elements
//   swrun-net --root ROOT network-rm NETWORK     them and the network, when no container uses it
//
// Failures print one line on stderr and exit 125. Warnings ("WARNING: …", something
// that works only in part) are printed on stdout when the command succeeds, for swrun
// to pass on.
import FoundationEssentials
import Glibc
import Synchronization
import SwrunNetwork
import SwrunNetworkKernel
import SwrunOS

func fail(_ message: String) -> Never {
    try? FileIO.writeAll(2, Array(("swrun-net: " + message + "\n").utf8))
    exit(125)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 4, arguments[0] == "--root" else {
    fail("usage: swrun-net --root ROOT attach REQUEST.json | detach ID | network-up NETWORK | network-rm NETWORK")
}
let warnings = Mutex<[String]>([])
let network = ContainerNetwork(root: arguments[1], warn: { line in warnings.withLock { $0.append(line) } })
do {
    switch arguments[2] {
    case "attach":
        let request = try JSONDecoder().decode(NetworkRequest.self, from: Data(try FileIO.readFile(arguments[3])))
        _ = try network.attach(request)
    case "detach":
        try network.detach(containerID: arguments[3])
    case "connect":
        let request = try JSONDecoder().decode(NetworkRequest.self, from: Data(try FileIO.readFile(arguments[3])))
        guard let endpoint = request.endpoints.first else { fail("connect: the request names no network") }
        try network.connect(containerID: request.containerID, containerName: request.containerName, to: endpoint)
    case "disconnect":
        let parts = arguments[3].split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { fail("disconnect: want ID:NETWORK") }
        try network.disconnect(containerID: parts[0], from: parts[1])
    case "network-up":
        try network.bringUp(network: arguments[3])
    case "network-rm":
        try network.remove(network: arguments[3])
    default:
        fail("unknown command \(arguments[2])")
    }
} catch {
    fail(SwrunError.oneLine(error))
}
for line in warnings.withLock({ $0 }) {
    try? FileIO.writeAll(1, Array((line + "\n").utf8))
}
