extension ContainerRuntime {
    /// Bytes in the container's writable layer (docker's SizeRw).
    public static func writableLayerSize(of state: ContainerState, in runtime: ContainerRuntime) -> UInt64 {
        diskUsage(runtime.containers.filesystem(of: state.id).upperDir)
    }
}
