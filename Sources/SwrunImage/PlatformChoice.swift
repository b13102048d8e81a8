import SwrunOS
import SwrunRegistry

/// The platform to pull from a multi-platform image.
public struct PlatformChoice: Sendable {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init(os: String, architecture: String, variant: String?) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]` (`linux/amd64`, `linux/arm64/v8`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw SwrunError(.invalidArgument, "invalid platform \"\(text)\": expected os/arch[/variant]")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The host's platform.
    public static var host: PlatformChoice {
        PlatformChoice(os: "linux", architecture: HostSystem.goArch, variant: nil)
    }
}
