import ArgumentParser

/// `swrun image …`: the image commands under one name, as docker groups them.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Manage images.",
        subcommands: [Build.self, Images.self, Import.self, Tag.self, Rmi.self, History.self, ImageInspect.self, Save.self, Load.self, ImagePrune.self,
                      ImageList.self]
    )
}

/// `swrun system …`.
struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Manage swrun.",
        subcommands: [SystemDf.self, Info.self, SystemPrune.self]
    )
}
