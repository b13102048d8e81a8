import SwrunOS

/// A mount a container asks for beyond plain `-v HOST:CTR` binds and `--tmpfs`: a
/// named or anonymous volume (`-v`, `--mount type=volume`, the image's VOLUME), a
/// `--mount` bind or tmpfs, or one taken from `--volumes-from`. Parsed before the
/// container exists; `ContainerRuntime.attachVolumes` makes it real.
public struct MountRequest: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A volume by name; nil makes an anonymous one.
        case volume(String?)
        case bind(String)
        case tmpfs(size: Int64?, mode: UInt32?)
    }

    public var source: Source
    public var destination: String
    public var readOnly = false
    /// The mode as given on `-v` ("ro", "nocopy"…), shown by inspect.
    public var mode = ""
    /// `rprivate`, `rshared`…; "" for the default.
    public var propagation = ""
    /// docker's `nocopy`: a new volume is not filled from the image.
    public var noCopy = false
    /// `volume-label` / `volume-opt` of `--mount`, for a volume it creates.
    public var labels: [String: String] = [:]
    public var driverOptions: [String: String] = [:]

    public init(source: Source, destination: String) {
        self.source = source
        self.destination = destination
    }

    static let propagations: Set<String> = ["private", "rprivate", "shared", "rshared", "slave", "rslave"]

    /// `-v` values other than `/HOST:CTR` binds: `NAME:CTR[:MODE]` and `CTR` (an
    /// anonymous volume). Returns nil for binds, which `OptionParsing.volume` reads.
    public static func parseVolumeFlag(_ text: String) throws -> MountRequest? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func invalid() -> SwrunError { SwrunError(.invalidArgument, "invalid volume specification: '\(text)'") }
        guard parts.allSatisfy({ !$0.isEmpty }) else { throw invalid() }
        if isHostBind(text) { return nil }
        var request: MountRequest
        switch parts.count {
        case 1:
            request = MountRequest(source: .volume(nil), destination: parts[0])
        case 2, 3:
            if parts.count == 2 && Self.isMode(parts[1]) { throw invalid() }
            try VolumeStore.validateName(parts[0])
            request = MountRequest(source: .volume(parts[0]), destination: parts[1])
            if parts.count == 3 { try request.apply(mode: parts[2]) }
        default:
            throw invalid()
        }
        guard request.destination.hasPrefix("/") else {
            throw SwrunError(.invalidArgument, "invalid volume specification: '\(text)': invalid mount config for type \"volume\": invalid mount path: '\(request.destination)' mount path must be absolute")
        }
        return request
    }

    static func isMode(_ text: String) -> Bool {
        text.split(separator: ",").allSatisfy { ["ro", "rw", "z", "Z", "nocopy"].contains($0) || propagations.contains(String($0)) }
    }

    mutating func apply(mode text: String) throws {
        var seenAccess = false
        for option in text.split(separator: ",").map(String.init) {
            switch option {
            case "ro", "rw":
                guard !seenAccess else { throw SwrunError(.invalidArgument, "invalid mode: \(text)") }
                seenAccess = true
                readOnly = option == "ro"
            case "nocopy": noCopy = true
            case "z", "Z": break
            case _ where Self.propagations.contains(option):
                throw SwrunError(.invalidArgument, "invalid mode: \(text)")
            default:
                throw SwrunError(.invalidArgument, "invalid mode: \(text)")
            }
        }
        mode = text
    }

    /// The image's `VOLUME` paths: anonymous volumes where no other mount is.
    public static func imageVolumes(_ paths: [String]) -> [MountRequest] {
        paths.map { MountRequest(source: .volume(nil), destination: $0) }
    }
}
