import GoTemplate

/// A node read as its instruction (BuildKit's instructions.ParseInstruction).
enum ParsedLine {
    case from(FromInstruction, name: String?)
    case instruction(Instruction)
}

/// The second pass: each node's arguments and flags checked and typed, errors in
/// BuildKit's words (the caller adds the line).
enum InstructionParser {
    static let names = ["add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label",
                        "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir"]

    static func parse(_ node: DockerfileNode) throws -> ParsedLine {
        let args = node.arguments
        let original = node.original.trimmingGoSpace()
        func make(_ kind: InstructionKind) -> ParsedLine {
            .instruction(Instruction(line: node.line, original: original, kind: kind))
        }
        func checkedFlags(_ accepted: [String: BuilderFlags.Kind] = [:]) throws -> BuilderFlags {
            try BuilderFlags(node.flags, accepting: accepted)
        }
        func exactlyOne(_ name: String) throws -> String {
            guard args.count == 1 else { throw ParseFailure("\(name) requires exactly one argument") }
            return args[0]
        }

        switch node.command.lowercased() {
        case "from":
            let flags = try checkedFlags(["platform": .string])
            var name: String?
            if args.count == 3 && args[1].lowercased() == "as" {
                let lowered = args[2].lowercased()
                guard isValidStageName(lowered) else {
                    throw ParseFailure("invalid name for build stage: \(goQuoted(args[2])), name can't start with a number or contain symbols")
                }
                name = lowered
            } else if args.count != 1 {
                throw ParseFailure("FROM requires either one or three arguments")
            }
            let from = FromInstruction(image: args[0], platform: flags.string("platform").flatMap { $0.isEmpty ? nil : $0 },
                                       line: node.line, original: original)
            return .from(from, name: name)

        case "env", "label":
            let name = node.command.lowercased() == "env" ? "ENV" : "LABEL"
            _ = try checkedFlags()
            guard !args.isEmpty else { throw ParseFailure("\(name) requires at least one argument") }
            guard args.count % 3 == 0 else { throw ParseFailure("Bad input to \(name), too many arguments") }
            var pairs: [(key: String, value: String)] = []
            for i in stride(from: 0, to: args.count, by: 3) {
                guard !args[i].isEmpty else { throw ParseFailure("\(name) names can not be blank") }
                pairs.append((key: args[i], value: args[i + 1]))
            }
            return make(name == "ENV" ? .env(pairs) : .label(pairs))

        case "maintainer":
            let maintainer = try exactlyOne("MAINTAINER")
            _ = try checkedFlags()
            return make(.maintainer(maintainer))

        case "add", "copy":
            return make(try copyOrAdd(node))

        case "onbuild":
            guard !args.isEmpty else { throw ParseFailure("ONBUILD requires at least one argument") }
            _ = try checkedFlags()
            let trigger = args[0].trimmingGoSpace().uppercased()
            switch trigger {
            case "ONBUILD": throw ParseFailure("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
            case "MAINTAINER", "FROM": throw ParseFailure("\(trigger) isn't allowed as an ONBUILD trigger")
            default: break
            }
            var expression = droppingOnbuild(node.original)
            for heredoc in node.heredocs {
                expression += "\n" + heredoc.content + heredoc.name
            }
            return make(.onbuild(expression))

        case "workdir":
            let path = try exactlyOne("WORKDIR")
            _ = try checkedFlags()
            return make(.workdir(path))

        case "run":
            return make(.run(try run(node)))

        case "cmd":
            _ = try checkedFlags()
            return make(.cmd(commandForm(node)))

        case "entrypoint":
            _ = try checkedFlags()
            return make(.entrypoint(commandForm(node)))

        case "healthcheck":
            return make(.healthcheck(try healthcheck(node)))

        case "expose":
            guard !args.isEmpty else { throw ParseFailure("EXPOSE requires at least one argument") }
            _ = try checkedFlags()
            // BuildKit sorts the ports as written, before expansion.
            return make(.expose(args.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }))

        case "user":
            let user = try exactlyOne("USER")
            _ = try checkedFlags()
            return make(.user(user))

        case "volume":
            guard !args.isEmpty else { throw ParseFailure("VOLUME requires at least one argument") }
            _ = try checkedFlags()
            var volumes: [String] = []
            for volume in args {
                let trimmed = volume.trimmingGoSpace()
                if trimmed.isEmpty { throw ParseFailure("VOLUME specified can not be an empty string") }
                volumes.append(trimmed)
            }
            return make(.volume(volumes))

        case "stopsignal":
            // BuildKit does not look at STOPSIGNAL's flags.
            return make(.stopsignal(try exactlyOne("STOPSIGNAL")))

        case "arg":
            // Nor at ARG's.
            guard !args.isEmpty else { throw ParseFailure("ARG requires at least one argument") }
            var declarations: [ArgDeclaration] = []
            for arg in args {
                if let equals = arg.firstIndex(of: "=") {
                    let name = String(arg[..<equals])
                    if name.isEmpty { throw ParseFailure("ARG names can not be blank") }
                    declarations.append(ArgDeclaration(name: name, defaultValue: String(arg[arg.index(after: equals)...])))
                } else {
                    declarations.append(ArgDeclaration(name: arg))
                }
            }
            return make(.arg(declarations))

        case "shell":
            _ = try checkedFlags()
            guard !args.isEmpty else { throw ParseFailure("SHELL requires at least one argument") }
            guard node.json else { throw ParseFailure("SHELL requires the arguments to be in JSON form") }
            return make(.shell(args))

        default:
            throw ParseFailure(Suggest.wrap("unknown instruction: \(node.command)", value: node.command,
                                            options: names.map { $0.uppercased() }, caseSensitive: false))
        }
    }

    /// `^[a-z][a-z0-9-_.]*$`
    static func isValidStageName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first >= "a" && first <= "z" else { return false }
        return name.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// The trigger's text: the line without `ONBUILD` (any case) and the blanks after it.
    static func droppingOnbuild(_ original: String) -> String {
        var scalars = original.unicodeScalars[...]
        while let c = scalars.first, c.properties.isWhitespace { scalars.removeFirst() }
        guard String(scalars.prefix(7)).uppercased() == "ONBUILD" else { return original }
        scalars.removeFirst(7)
        while let c = scalars.first, c.properties.isWhitespace { scalars.removeFirst() }
        return String(scalars)
    }

    static func commandForm(_ node: DockerfileNode) -> CommandForm {
        node.json ? .exec(node.arguments) : .shell(node.arguments.joined(separator: " "))
    }

    static func heredocs(_ node: DockerfileNode) -> [Heredoc] {
        node.heredocs.map { heredoc in
            var heredoc = heredoc
            if heredoc.chomp { heredoc.content = Heredoc.chomped(heredoc.content) }
            return heredoc
        }
    }

    static func run(_ node: DockerfileNode) throws -> RunInstruction {
        let flags = try BuilderFlags(node.flags, accepting: ["mount": .strings, "network": .string, "security": .string, "device": .strings])
        if !flags.strings("device").isEmpty { throw ParseFailure("RUN --device is not supported") }
        let network = flags.string("network")
        if let network, !["default", "none", "host"].contains(network) {
            throw ParseFailure("invalid network mode \(goQuoted(network))")
        }
        let security = flags.string("security")
        if let security, !["sandbox", "insecure"].contains(security) {
            throw ParseFailure("security \(goQuoted(security)) is not valid")
        }
        var run = RunInstruction(command: commandForm(node), network: network, security: security, heredocs: heredocs(node))
        run.mountSpecs = flags.strings("mount")
        for spec in run.mountSpecs {
            try RunMount.checkFrom(spec)
            do {
                run.mounts.append(try RunMount.parse(spec) { $0 })
            } catch let failure as ParseFailure where spec.contains("$") {
                // Values with variables are checked when the step expands them.
                _ = failure
                run.mountsNeedExpansion = true
            }
        }
        return run
    }

    static func copyOrAdd(_ node: DockerfileNode) throws -> InstructionKind {
        let isCopy = node.command.lowercased() == "copy"
        let name = isCopy ? "COPY" : "ADD"
        let args = node.arguments
        guard args.count >= 2 else {
            throw ParseFailure("\(name) requires at least two arguments, but only one was provided. Destination could not be determined")
        }
        var accepted: [String: BuilderFlags.Kind] = ["chown": .string, "chmod": .string, "link": .bool, "exclude": .strings]
        if isCopy {
            accepted["from"] = .string
            accepted["parents"] = .bool
        } else {
            accepted["keep-git-dir"] = .bool
            accepted["checksum"] = .string
            accepted["unpack"] = .bool
        }
        let flags = try BuilderFlags(node.flags, accepting: accepted)
        for unsupported in ["parents", "keep-git-dir", "unpack"] where flags.used.contains(unsupported) {
            throw ParseFailure("\(name) --\(unsupported) is not supported")
        }
        let destination = args[args.count - 1]
        if try Heredoc.marker(destination) != nil {
            throw ParseFailure("\(name) cannot accept a heredoc as a destination")
        }
        let bodies = Dictionary(node.heredocs.map { ($0.name, $0.content) }, uniquingKeysWith: { _, last in last })
        var sources: [String] = []
        var inline: [Heredoc] = []
        for source in args.dropLast() {
            if var heredoc = try Heredoc.marker(source) {
                let content = bodies[heredoc.name] ?? ""
                heredoc.content = heredoc.chomp ? Heredoc.chomped(content) : content
                inline.append(heredoc)
            } else {
                sources.append(source)
            }
        }
        let copy = CopyInstruction(sources: sources, destination: destination, from: flags.string("from").flatMap { $0.isEmpty ? nil : $0 },
                                   chown: flags.string("chown").flatMap { $0.isEmpty ? nil : $0 },
                                   chmod: flags.string("chmod").flatMap { $0.isEmpty ? nil : $0 },
                                   link: flags.bool("link"), heredocs: inline, exclude: flags.strings("exclude"),
                                   checksum: flags.string("checksum").flatMap { $0.isEmpty ? nil : $0 })
        return isCopy ? .copy(copy) : .add(copy)
    }

    static func healthcheck(_ node: DockerfileNode) throws -> HealthcheckInstruction {
        guard let first = node.arguments.first else { throw ParseFailure("HEALTHCHECK requires at least one argument") }
        let type = first.uppercased()
        let rest = Array(node.arguments.dropFirst())
        if type == "NONE" {
            // BuildKit does not look at the flags of HEALTHCHECK NONE.
            guard rest.isEmpty else { throw ParseFailure("HEALTHCHECK NONE takes no arguments") }
            return HealthcheckInstruction(test: ["NONE"])
        }
        let flags = try BuilderFlags(node.flags, accepting: ["interval": .string, "timeout": .string, "start-period": .string,
                                                             "start-interval": .string, "retries": .string])
        guard type == "CMD" else { throw ParseFailure("Unknown type \(goQuoted(type)) in HEALTHCHECK (try CMD)") }
        let command = node.json ? rest : (rest.isEmpty ? [] : [rest.joined(separator: " ")])
        guard !command.isEmpty else { throw ParseFailure("Missing command after HEALTHCHECK CMD") }
        var check = HealthcheckInstruction(test: [node.json ? "CMD" : "CMD-SHELL"] + command)
        check.interval = try interval(flags, "interval")
        check.timeout = try interval(flags, "timeout")
        check.startPeriod = try interval(flags, "start-period")
        check.startInterval = try interval(flags, "start-interval")
        if let retries = flags.string("retries"), !retries.isEmpty {
            guard let value = Int32(retries) else {
                let reason = retries.allSatisfy({ $0.isASCII && $0.isNumber }) || (retries.first == "-" && retries.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) && retries.count > 1)
                    ? "value out of range" : "invalid syntax"
                throw ParseFailure("strconv.ParseInt: parsing \(goQuoted(retries)): \(reason)")
            }
            if value < 0 { throw ParseFailure("--retries cannot be negative (\(value))") }
            check.retries = Int(value)
        }
        return check
    }

    /// A duration flag: nil when absent or zero; at least 1ms otherwise.
    static func interval(_ flags: BuilderFlags, _ name: String) throws -> Int64? {
        guard let text = flags.string(name), !text.isEmpty else { return nil }
        let nanoseconds: Int64
        do {
            nanoseconds = try GoDuration.parse(text)
        } catch {
            throw ParseFailure(error.message)
        }
        if nanoseconds == 0 { return nil }
        if nanoseconds < 1_000_000 { throw ParseFailure("Interval \(goQuoted(name)) cannot be less than 1ms") }
        return nanoseconds
    }
}
