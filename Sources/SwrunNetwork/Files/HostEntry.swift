/// One line a container's /etc/hosts adds for `--add-host NAME:IP`: the address, a tab,
/// the name.
public struct HostEntry: Sendable, Equatable, Codable {
    public var name: String
    public var address: String

    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }
}
