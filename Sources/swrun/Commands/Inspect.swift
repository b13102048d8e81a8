import ArgumentParser
import Foundation
import GoTemplate
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunNetwork
import SwrunRuntime

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Return low-level information on swrun objects.")

    /// The kinds of object a name is looked up as, in this order. Images join here: a
    /// case, its `--type` value, and a branch in `document(for:kind:)`.
    enum Kind: String, CaseIterable {
        case container
        case image

        var notFound: String {
            switch self {
            case .container: return "No such container"
            case .image: return "No such image"
            }
        }
    }

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "Format the output using the given Go template.")
    var format: String?
    @Option(name: .long, help: "Only inspect objects of this type (container, image).")
    var type: String?
    @Argument(help: "Names or IDs of the objects.")
    var names: [String]

    mutating func run() throws {
        let kinds: [Kind]
        if let type {
            guard let kind = Kind(rawValue: type) else {
                throw SwrunError(.invalidArgument, "\"\(type)\" is not a valid value for --type")
            }
            kinds = [kind]
        } else {
            kinds = Kind.allCases
        }
        let template = try format.map { source in try TemplateFailure.inspectParse.mapping { try GoTemplate(source) } }
        let runtime = try global.runtime()
        var documents: [TemplateValue] = []
        var missing: [String] = []
        for name in names {
            if let document = try kinds.lazy.compactMap({ try self.document(for: name, kind: $0, runtime: runtime) }).first {
                documents.append(document)
            } else {
                missing.append(type != nil ? "\(kinds[0].notFound): \(name)" : "No such object: \(name)")
            }
        }
        try InspectOutput.emit(documents, template: template, missing: missing)
    }

    /// The document of `name` as a `kind`, or nil when there is no such object.
    private func document(for name: String, kind: Kind, runtime: ContainerRuntime) throws -> TemplateValue? {
        switch kind {
        case .container:
            let state: ContainerState
            do {
                state = try runtime.containers.lookup(name)
            } catch let error as SwrunError where error.code == .notFound {
                return nil
            }
            let image = try? global.imageStore().resolve(state.imageID)
            return ContainerDocument.build(runtime.details(state), image: image)
        case .image:
            let image: StoredImage
            do {
                image = try global.imageStore().resolve(name)
            } catch let error as SwrunError where error.code == .notFound || error.code == .invalidArgument {
                return nil
            }
            return ImageDocument.build(image)
        }
    }
}

/// docker's image inspect document, in docker's field order.
enum ImageDocument {
    /// Docker's HealthConfig: the durations (nanoseconds) and retries only when set.
    static func healthcheck(_ health: ImageConfigFile.Healthcheck) -> TemplateValue {
        var fields: TemplateFields = ["Test": .strings(health.test)]
        let durations = [("Interval", health.interval), ("Timeout", health.timeout), ("StartPeriod", health.startPeriod),
                         ("StartInterval", health.startInterval)]
        for (key, value) in durations { if let value, value != 0 { fields[key] = .int(value) } }
        if let retries = health.retries, retries != 0 { fields["Retries"] = .int(Int64(retries)) }
        return .object(fields)
    }

    static func build(_ image: StoredImage) -> TemplateValue {
        let file = image.config
        let config = file.config
        let repositories = image.repoTags.map { Images.split($0).0 }.reduce(into: [String]()) { seen, repository in
            if !seen.contains(repository) { seen.append(repository) }
        }
        let created = file.created.flatMap(Timestamps.parse).map(ContainerDocument.goTime) ?? file.created ?? ""
        func set(_ keys: [String]?) -> TemplateValue {
            keys.map { .map(TemplateFields($0.map { ($0, TemplateValue.object([:])) })) } ?? .null
        }
        var configMembers: TemplateFields = [
            "Hostname": .string(""),
            "Domainname": .string(""),
            "User": .string(config?.user ?? ""),
            "AttachStdin": .bool(false),
            "AttachStdout": .bool(false),
            "AttachStderr": .bool(false),
        ]
        if let ports = config?.exposedPorts, !ports.isEmpty { configMembers["ExposedPorts"] = set(ports) }
        let rest: TemplateFields = [
            "Tty": .bool(false),
            "OpenStdin": .bool(false),
            "StdinOnce": .bool(false),
            "Env": .strings(config?.env),
            "Cmd": .strings(config?.cmd),
            "Image": .string(""),
            "Volumes": set(config?.volumes),
            "WorkingDir": .string(config?.workingDir ?? ""),
            "Entrypoint": .strings(config?.entrypoint),
            "OnBuild": .strings(config?.onBuild),
            "Labels": .goMap(config?.labels.map { $0.mapValues(TemplateValue.string) }),
        ]
        for (key, value) in rest {
            configMembers[key] = value
            // Docker's order: Healthcheck (when set) follows Cmd.
            if key == "Cmd", let health = config?.healthcheck { configMembers["Healthcheck"] = healthcheck(health) }
        }
        if let signal = config?.stopSignal { configMembers["StopSignal"] = .string(signal) }
        if let shell = config?.shell { configMembers["Shell"] = .strings(shell) }
        return .object([
            "Id": .string(image.id.description),
            "RepoTags": .strings(image.repoTags),
            "RepoDigests": .strings(repositories.map { $0 + "@" + image.manifestDigest.description }),
            "Parent": .string(""),
            "Comment": .string(file.history?.last?.comment ?? ""),
            "Created": .string(created),
            "DockerVersion": .string(""),
            "Author": .string(file.author ?? ""),
            "Config": .object(configMembers),
            "Architecture": .string(file.architecture),
            "Os": .string(file.os),
            "Size": .int(Images.size(image)),
            "RootFS": .object([
                "Type": .string(file.rootfs.type),
                "Layers": .strings(file.rootfs.diffIDs.map(\.description)),
            ]),
            "Metadata": .object(["LastTagTime": .string(ContainerDocument.zeroTime)]),
        ])
    }
}

/// docker's container inspect document (the fields swrun knows, in docker's order).
enum ContainerDocument {
    /// Go's zero time, which docker prints for times that never happened.
    static let zeroTime = "0001-01-01T00:00:00Z"

    static func build(_ details: ContainerDetails, image: StoredImage?) -> TemplateValue {
        let state = details.state
        let spec = details.spec
        let process = spec?.process
        let args = process?.args ?? state.command
        let (entrypoint, cmd) = splitCommand(args, imageEntrypoint: image?.config.config?.entrypoint)
        let status: String
        if details.paused {
            status = "paused"
        } else if details.running {
            status = "running"
        } else if details.restarting {
            status = "restarting"
        } else {
            status = state.status == .created ? "created" : "exited"
        }
        // The runtime's own /etc binds are not the user's mounts.
        let runtimeFiles = Set(["hostname", "hosts", "resolv.conf"].map { details.directory + "/" + $0 })
        let specMounts = spec?.mounts ?? []
        let volumeSources = Set(details.mountPoints.filter { $0.type == "volume" }.map(\.source))
        let binds = specMounts.filter { $0.type == "bind" && !runtimeFiles.contains($0.source ?? "") && !volumeSources.contains($0.source ?? "") }
        let tmpfs = specMounts.filter { $0.type == "tmpfs" && $0.destination != "/dev" && $0.destination != "/dev/shm" }
        let readOnly = { (m: RuntimeSpec.Mount) in (m.options ?? []).contains("ro") }
        let groups = spec?.annotations?[ContainerSpec.groupsAnnotation].map { $0.split(separator: ",").map(String.init) } ?? []

        var stateFields: TemplateFields = [
            "Status": .string(status),
            // docker counts a restarting container as running, without a PID.
            "Running": .bool(details.running || details.restarting),
            "Paused": .bool(details.paused),
            "Restarting": .bool(details.restarting),
            "OOMKilled": .bool(state.oomKilled),
            "Dead": .bool(false),
            "Pid": .int(details.running ? Int64(state.pid) : 0),
            "ExitCode": .int(details.running ? 0 : Int64(state.exitCode)),
            "Error": .string(""),
            "StartedAt": .string(state.startedAt.map(goTime) ?? zeroTime),
            "FinishedAt": .string(details.running ? zeroTime : state.finishedAt.map(goTime) ?? zeroTime),
        ]
        if let health = details.health {
            let probes: [TemplateValue] = health.log.map { probe in
                .object(["Start": .string(probe.start), "End": .string(probe.end), "ExitCode": .int(Int64(probe.exitCode)),
                         "Output": .string(probe.output)])
            }
            stateFields["Health"] = .object(["Status": .string(health.status), "FailingStreak": .int(Int64(health.failingStreak)),
                                              "Log": .array(probes)])
        }
        let stateDocument: TemplateValue = .object(stateFields)
        let logOptions = TemplateFields((state.logConfig?.config ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, TemplateValue.string($0.value)) })
        let logConfig: TemplateValue = .object(["Type": .string(state.logConfig?.type ?? "json-file"), "Config": .map(logOptions)])
        let ipcMode = state.ipcMode.flatMap { $0.isEmpty ? nil : $0 } ?? "private"
        var hostFields: TemplateFields = [
            // The -v values as given; older records: the binds of the spec.
            "Binds": state.binds.map { $0.isEmpty ? .null : .strings($0) } ?? (binds.isEmpty ? .null : .array(binds.map { m in
                .string((m.source ?? "") + ":" + m.destination + (readOnly(m) ? ":ro" : ""))
            })),
            "LogConfig": logConfig,
            "NetworkMode": .string(details.networkMode),
            "PortBindings": .goMap(Dictionary(grouping: details.requestedPorts, by: \.containerKey).mapValues { mappings in
                .array(mappings.map { .object(["HostIp": .string($0.hostIP), "HostPort": .string($0.hostPort == 0 ? "" : String($0.hostPort))]) })
            }),
            "RestartPolicy": .object([
                "Name": .string(state.restartPolicy?.name ?? "no"),
                "MaximumRetryCount": .int(Int64(state.restartPolicy?.maximumRetryCount ?? 0)),
            ]),
            "AutoRemove": .bool(state.autoRemove),
            "CapAdd": details.capAdd.isEmpty ? .null : .strings(details.capAdd),
            "CapDrop": details.capDrop.isEmpty ? .null : .strings(details.capDrop),
            "CgroupnsMode": .string("private"),
            "GroupAdd": groups.isEmpty ? .null : .strings(groups),
            "IpcMode": .string(ipcMode),
            "Privileged": .bool(details.privileged),
            "ReadonlyRootfs": .bool(spec?.root?.readonly ?? false),
            "Tmpfs": .goMap(tmpfs.isEmpty ? nil : Dictionary(tmpfs.map {
                ($0.destination, TemplateValue.string(MountFlags.parse(options: $0.options ?? []).data))
            }, uniquingKeysWith: { $1 })),
            "CgroupParent": .string(state.cgroupParent == "swrun" ? "" : state.cgroupParent),
            "Init": .bool(details.initConfig?.useInit ?? false),
            "MaskedPaths": .strings(spec?.linux?.maskedPaths),
            "ReadonlyPaths": .strings(spec?.linux?.readonlyPaths),
        ]
        for (key, value) in hostModeFields(state, spec: spec) { hostFields[key] = value }
        for (key, value) in Self.resourceFields(state.limits) { hostFields[key] = value }
        let hostConfig: TemplateValue = .object(hostFields)
        let mounts: [TemplateValue] = !details.mountPoints.isEmpty ? details.mountPoints.map(mountDocument) : binds.map { m in
            .object([
                "Type": .string("bind"),
                "Source": .string(m.source ?? ""),
                "Destination": .string(m.destination),
                "Mode": .string(readOnly(m) ? "ro" : ""),
                "RW": .bool(!readOnly(m)),
                "Propagation": .string("rprivate"),
            ])
        }
        let labels = state.labels ?? image?.config.config?.labels ?? [:]
        var configFields: TemplateFields = [
            "Hostname": .string(state.hostname),
            "Domainname": .string(""),
            "User": .string(spec?.annotations?[ContainerSpec.userAnnotation] ?? ""),
            "AttachStdin": .bool(state.interactive ?? false),
            "AttachStdout": .bool(true),
            "AttachStderr": .bool(true),
            "Tty": .bool(state.tty ?? process?.terminal ?? false),
            "OpenStdin": .bool(state.interactive ?? false),
            "StdinOnce": .bool(state.interactive ?? false),
            "Env": .strings(process?.env),
            "Cmd": .strings(cmd),
            "Image": .string(state.image),
            "Volumes": .map(nil),
            "WorkingDir": .string(process.map { $0.cwd == "/" ? "" : $0.cwd } ?? ""),
            "Entrypoint": .strings(entrypoint),
            "OnBuild": .null,
            "Labels": .goMap(labels.mapValues(TemplateValue.string)),
        ]
        // docker leaves them out when not set.
        if let signal = state.stopSignal { configFields["StopSignal"] = .string(signal) }
        if let timeout = state.stopTimeout { configFields["StopTimeout"] = .int(Int64(timeout)) }
        let configDocument: TemplateValue = .object(configFields)
        return .object([
            "Id": .string(state.id),
            "Created": .string(goTime(state.created)),
            "Path": .string(args.first ?? ""),
            "Args": .strings(Array(args.dropFirst())),
            "State": stateDocument,
            "Image": .string(state.imageID),
            "ResolvConfPath": .string(details.resolvConfPath),
            "HostnamePath": .string(details.hostnamePath),
            "HostsPath": .string(details.hostsPath),
            "LogPath": .string(details.logPath),
            "Name": .string("/" + state.name),
            "RestartCount": .int(Int64(state.restartCount ?? 0)),
            "Driver": .string("overlay"),
            "Platform": .string("linux"),
            "HostConfig": hostConfig,
            "GraphDriver": .object([
                "Data": .map([
                    "LowerDir": .string(details.lowerDirs.joined(separator: ":")),
                    "MergedDir": .string(details.mergedDir),
                    "UpperDir": .string(details.upperDir),
                    "WorkDir": .string(details.workDir),
                ]),
                "Name": .string("overlay"),
            ]),
            "Mounts": .array(mounts),
            "Config": configDocument,
            "NetworkSettings": networkSettings(details),
        ])
    }

    /// One of `Mounts`: a volume has its Name and Driver, binds and tmpfs do not.
    static func mountDocument(_ point: MountPoint) -> TemplateValue {
        var fields: TemplateFields = ["Type": .string(point.type)]
        if let name = point.name { fields["Name"] = .string(name) }
        fields["Source"] = .string(point.source)
        fields["Destination"] = .string(point.destination)
        if let driver = point.driver { fields["Driver"] = .string(driver) }
        fields["Mode"] = .string(point.mode)
        fields["RW"] = .bool(point.rw)
        fields["Propagation"] = .string(point.propagation)
        return .object(fields)
    }

    /// HostConfig's fields from run's host flags: the namespace modes, /dev/shm, the
    /// OOM score, cpusets, devices and sysctls.
    static func hostModeFields(_ state: ContainerState, spec: RuntimeSpec?) -> TemplateFields {
        let devices: [TemplateValue] = (spec?.linux?.devices ?? []).map { device in
            let prefix = "\(device.type) \(device.major ?? 0):\(device.minor ?? 0) "
            let rule = state.limits?.extraAllowedDevices?.first { $0.hasPrefix(prefix) }
            let permissions = rule.map { String($0.dropFirst(prefix.count)) } ?? "rwm"
            return .object(["PathOnHost": .string(""), "PathInContainer": .string(device.path), "CgroupPermissions": .string(permissions)])
        }
        let sysctls = spec?.linux?.sysctl.map { $0.mapValues(TemplateValue.string) }
        let shmSize: Int64 = state.shmSize.flatMap { $0 > 0 ? $0 : nil } ?? 67_108_864
        return [
            "PidMode": .string(state.pidMode ?? ""),
            "UTSMode": .string(state.utsMode ?? ""),
            "ShmSize": .int(shmSize),
            "OomScoreAdj": .int(Int64(spec?.process?.oomScoreAdj ?? 0)),
            "CpusetCpus": .string(state.limits?.cpusetCpus ?? ""),
            "CpusetMems": .string(state.limits?.cpusetMems ?? ""),
            "Devices": .array(devices),
            "Sysctls": .goMap(sysctls),
        ]
    }

    /// docker's NetworkSettings: the running container's addresses and published ports.
    static func networkSettings(_ details: ContainerDetails) -> TemplateValue {
        let attachment = details.network
        let primary = details.networkMode == "bridge" ? attachment?.endpoints.first : nil
        let ports = Dictionary(grouping: attachment?.ports ?? [], by: \.containerKey).mapValues { mappings -> TemplateValue in
            .array(mappings.map { .object(["HostIp": .string($0.hostIP.isEmpty ? "0.0.0.0" : $0.hostIP), "HostPort": .string(String($0.hostPort))]) })
        }
        let networks = Dictionary(attachment?.endpoints.map { endpoint -> (String, TemplateValue) in
            (endpoint.networkName, .object([
                "IPAMConfig": .null, "Links": .null,
                "Aliases": endpoint.aliases.isEmpty ? .null : .strings(endpoint.aliases),
                "MacAddress": .string(endpoint.mac), "NetworkID": .string(endpoint.networkID), "EndpointID": .string(""),
                "Gateway": .string(endpoint.gateway), "IPAddress": .string(endpoint.address),
                "IPPrefixLen": .int(Int64(endpoint.prefixLength)), "IPv6Gateway": .string(endpoint.ipv6Gateway ?? ""),
                "GlobalIPv6Address": .string(endpoint.ipv6Address ?? ""), "GlobalIPv6PrefixLen": .int(Int64(endpoint.ipv6PrefixLength ?? 0)),
            ]))
        } ?? [], uniquingKeysWith: { first, _ in first })
        return .object([
            "Bridge": .string(""),
            "SandboxKey": .string(attachment?.namespacePath ?? ""),
            "Ports": .goMap(ports),
            "Gateway": .string(primary?.gateway ?? ""),
            "IPAddress": .string(primary?.address ?? ""),
            "IPPrefixLen": .int(Int64(primary?.prefixLength ?? 0)),
            "MacAddress": .string(primary?.mac ?? ""),
            "Networks": .goMap(networks),
        ])
    }

    /// Entrypoint and Cmd: the image's entrypoint when the command starts with it
    /// (docker keeps the two apart; swrun records the joined command).
    static func splitCommand(_ args: [String], imageEntrypoint: [String]?) -> (entrypoint: [String]?, cmd: [String]?) {
        guard let entrypoint = imageEntrypoint, !entrypoint.isEmpty, args.starts(with: entrypoint) else {
            return (nil, args)
        }
        return (entrypoint, args.count > entrypoint.count ? Array(args.dropFirst(entrypoint.count)) : nil)
    }

    /// Go's RFC3339Nano: the fraction without trailing zeros, none when whole.
    static func goTime(_ date: Date) -> String {
        var text = Timestamps.format(date)
        guard let dot = text.firstIndex(of: "."), let zone = text.lastIndex(of: "Z") else { return text }
        var fraction = text[text.index(after: dot)..<zone]
        while fraction.last == "0" { fraction = fraction.dropLast() }
        text = String(text[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + "Z"
        return text
    }
}
