import CSwrun
import Glibc
import SwrunOS

extension ContainerChild {
    /// `-t`: a pty from the container's own devpts instance. The master goes to the
    /// monitor over the sync socket; the replica becomes the controlling terminal and
    /// fds 0, 1, 2.
    func setUpTerminal() throws {
        var master: Int32 = -1
        var replica: Int32 = -1
        try check(sw_open_pty(&master, &replica), "open pty")
        _ = sw_set_winsize(replica, UInt16(clamping: config.terminalRows), UInt16(clamping: config.terminalColumns))
        let marker: [UInt8] = [UInt8(ascii: "T")]
        let sent = marker.withUnsafeBytes { sw_send_with_fd(sync.fd, $0.baseAddress, 1, master) }
        if sent != 1 { throw InitFailure("send pty master") }
        close(master)
        try check(sw_set_ctty(replica), "set controlling terminal")
        for target in Int32(0)...2 { try check(dup2(replica, target), "dup2 pty") }
        if replica > 2 { close(replica) }
    }
}
