import ArgumentParser

/// `swrun image ls|list`: docker's name for `images` in the image group.
struct ImageList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.", aliases: ["list"])

    @OptionGroup var images: Images

    mutating func run() throws { try images.run() }
}

/// `swrun container ls|list|ps`: `ps` under docker's names in the container group.
struct ContainerList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List containers.", aliases: ["list", "ps"])

    @OptionGroup var ps: Ps

    mutating func run() throws { try ps.run() }
}
