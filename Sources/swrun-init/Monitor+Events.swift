import SwrunOS

extension Monitor {
    /// The events of the container this monitor watches, when it is one of swrun's
    /// store (it has an exit record path there); exec sessions and swrun-oci's
    /// containers record none. `finish` records `oom`/`die` first, before anyone is
    /// told of the exit, and a --rm container's `destroy` once it is gone from the store.
    static func containerEvents(exitPath: String) -> ContainerEvents? {
        exitPath.isEmpty ? nil : ContainerEvents(containerDirectory: FileIO.parentPath(exitPath))
    }
}
