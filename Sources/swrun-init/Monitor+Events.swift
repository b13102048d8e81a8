import SwrunOS

extension Monitor {
    /// The events of the container this monitor watches, when it is one of swrun's
    /// store (it has an exit record path there); exec sessions and swrun-oci's
    /// containers record none. `finish` records `oom`/`die` first, before anyone is
    /// told of the exit, and a --rm container's `destroy` once it is gone from the store.
    static func containerEvents(exitPath: String) -> ContainerEvents? {
        exitPath.isEmpty ? nil : ContainerEvents(containerDirectory: FileIO.parentPath(exitPath))
    }

    /// What `finish` records of the end, before anyone is told of it: a container's
    /// `oom`/`die` (`events`), or an exec session's `exec_die` in its container's log.
    func recordExitEvents(_ events: ContainerEvents?, code: Int32, oomKilled: @autoclosure () -> Bool) {
        if let events {
            events.recordExit(code: code, oomKilled: oomKilled(), ranSeconds: (Self.nowMillis() - startedMillis) / 1000)
        } else if !config.execEventsDirectory.isEmpty {
            ContainerEvents(containerDirectory: config.execEventsDirectory).recordExecDie(execID: config.execID, code: code)
        }
    }
}
