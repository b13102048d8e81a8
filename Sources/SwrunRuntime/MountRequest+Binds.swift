extension MountRequest {
    /// The `-v` values docker keeps in HostConfig.Binds, as given: those with a source
    /// (`/HOST:CTR[:MODE]` binds and `NAME:CTR[:MODE]` volumes); an anonymous volume
    /// (`-v /CTR`) is not one.
    public static func bindsGiven(_ volumes: [String]) -> [String] {
        volumes.filter { $0.contains(":") }
    }
}
