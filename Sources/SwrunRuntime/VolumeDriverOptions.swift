import SwrunOS

/// The `-o` options of the local driver: `type`, `device` and `o`, as mount(8) takes
/// them. swrun mounts `type=none,o=bind,device=PATH` (a host directory) and
/// `type=tmpfs` (a tmpfs of the container's own); a plain volume is a directory.
public enum VolumeDriverOptions {
    static let keys: Set<String> = ["type", "device", "o", "size"]

    /// Refuses what docker's local driver refuses when the volume is created.
    public static func validate(_ options: [String: String], name: String) throws {
        for key in options.keys.sorted() where !keys.contains(key) {
            throw SwrunError(.invalidArgument, "create \(name): invalid option key: \"\(key)\"")
        }
        let type = options["type"] ?? ""
        let device = options["device"] ?? ""
        if !type.isEmpty || !device.isEmpty || !(options["o"] ?? "").isEmpty {
            if type.isEmpty { throw SwrunError(.invalidArgument, "create \(name): missing required option: \"type\"") }
            if device.isEmpty { throw SwrunError(.invalidArgument, "create \(name): missing required option: \"device\"") }
        }
        if options["size"] != nil { _ = try OptionParsing.bytes(options["size"] ?? "") }
    }

    /// The mount a container gets for a volume with these options, at `destination`;
    /// `dataPath` is the volume's `_data` directory.
    static func mount(_ volume: Volume, dataPath: String, destination: String, readOnly: Bool) throws -> InitMount {
        let readOnlyFlag = readOnly ? MountFlags.readOnly : 0
        let o = (volume.options["o"] ?? "").split(separator: ",").map(String.init)
        switch volume.options["type"] ?? "" {
        case "":
            return InitMount(kind: .bind, source: dataPath, destination: destination, flags: readOnlyFlag)
        case "none" where o.contains("bind") || o.contains("rbind"):
            let device = volume.options["device"] ?? ""
            guard FileIO.exists(device) else {
                throw SwrunError(.notFound, "error while mounting volume '\(dataPath)': failed to mount local volume: mount \(device):\(dataPath), flags: 0x1000: no such file or directory")
            }
            return InitMount(kind: .bind, source: device, destination: destination,
                             flags: readOnlyFlag | (o.contains("ro") ? MountFlags.readOnly : 0))
        case "tmpfs":
            let data = o.filter { $0 != "ro" && $0 != "rw" }
            return InitMount(kind: .filesystem, source: "tmpfs", destination: destination, fsType: "tmpfs",
                             flags: readOnlyFlag | (o.contains("ro") ? MountFlags.readOnly : 0), data: data.joined(separator: ","))
        case let type:
            throw SwrunError(.unsupported, "error while mounting volume '\(dataPath)': failed to mount local volume: type \(type) is not supported by swrun")
        }
    }
}
