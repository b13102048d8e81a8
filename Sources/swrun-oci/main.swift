import FoundationEssentials
import Glibc
import SwrunOCI
import SwrunOS
import SwrunRuntime

// swrun-oci: an OCI runtime with runc's command line, for containerd's shim, conmon
// (podman), CRI-O and people. Every command is one short process; nothing of swrun
// stays with a container.

signal(SIGPIPE, SIG_IGN)
var log = ErrorLog()
do {
    let line = try ParsedCommandLine(Array(CommandLine.arguments.dropFirst()))
    log.path = line.value("log")
    log.json = line.value("log-format") == "json"
    log.debug = line.has("debug")
    if line.has("version") {
        print("swrun-oci version \(SwrunVersion.string)\nspec: \(OCIRuntime.specVersion)")
        exit(0)
    }
    guard let command = line.command, !line.has("help") else {
        print(OCICommands.usage)
        exit(line.has("help") ? 0 : 1)
    }
    log.debugLine("swrun-oci " + CommandLine.arguments.dropFirst().joined(separator: " "))
    let runtime = OCIRuntime(stateRoot: line.value("root") ?? "/run/swrun-oci", systemdCgroup: line.has("systemd-cgroup"))
    exit(try OCICommands(runtime: runtime, line: line).run(command))
} catch let error as SwrunError {
    log.error(error.message)
    exit(1)
} catch {
    log.error("\(error)")
    exit(1)
}
