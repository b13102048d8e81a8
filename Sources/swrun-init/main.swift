import CSwrun
import Glibc
import SwrunOS

// swrun-init: started by `swrun` with its sync socket on fd 3. It reads one InitConfig,
// clones the container process into new namespaces, reports "started" once that
// process has exec'd (its CLOEXEC end of a second socket closes), then reaps it and
// reports its wait status. Single-threaded by construction: no Foundation, no Dispatch.

let controlFD: Int32 = 3
let control = SeqPacket(fd: controlFD)

func fail(_ report: InitReport) -> Never {
    try? control.send(report.encoded())
    exit(1)
}

guard let message = try? control.receive(), let config = try? InitConfig(decoding: message) else {
    fail(.failed(step: "init config", errno: EINVAL, message: "swrun-init: cannot read the container config"))
}

var cgroupFD: Int32 = -1
if !config.cgroupDirectory.isEmpty {
    cgroupFD = open(config.cgroupDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if cgroupFD < 0 {
        let err = sw_errno()
        fail(.failed(step: "open cgroup", errno: err, message: "open cgroup \(config.cgroupDirectory): \(String(cString: strerror(err)))"))
    }
}

guard let (parentEnd, childEnd) = try? SeqPacket.pair() else {
    fail(.failed(step: "socketpair", errno: sw_errno(), message: "socketpair: \(String(cString: strerror(sw_errno())))"))
}

// On v1 the child joins its cgroups itself and only then unshares the cgroup namespace,
// so the namespace's root is the container's cgroup.
var cloneFlags = config.namespaces
if cgroupFD < 0 { cloneFlags &= ~SW_CLONE_NEWCGROUP }

let pid = sw_clone3(cloneFlags, cgroupFD, nil)
if pid < 0 {
    let err = sw_errno()
    fail(.failed(step: "clone3", errno: err, message: "clone3: \(String(cString: strerror(err)))"))
}
if pid == 0 {
    parentEnd.close()
    _ = close(controlFD)
    ContainerChild(config: config, sync: childEnd).run()
}
childEnd.close()
if cgroupFD >= 0 { close(cgroupFD) }

if let failure = try? parentEnd.receive(), let report = try? InitReport(decoding: failure) {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    fail(report)
}
parentEnd.close()
try? control.send(InitReport.started(pid: pid).encoded())

var status: Int32 = 0
while true {
    let rc = waitpid(pid, &status, 0)
    if rc == pid { break }
    if rc < 0 && errno != EINTR { break }
}
try? control.send(InitReport.exited(status: status).encoded())
exit(0)
