import SwrunDockerfile
import SwrunImage
import SwrunLayer
import SwrunOS

/// COPY and ADD: `LayerCopy` writes the files into a fresh directory, which becomes
/// the step's layer. Their cache key is `LayerCopy.cacheDigest` of what is copied.
extension BuildSession {
    func copyStep(_ copy: CopyInstruction, add: Bool, in state: inout StageState, stage: Stage) throws {
        let name = add ? "ADD" : "COPY"
        try checkChecksum(copy, add: add)
        let fetched = add && copy.sources.contains { Self.isHTTPSource($0) || Self.isGitSource($0) }
        let files = try fetched ? fetchedSources(of: copy) : sourceFiles(of: copy, stage: stage)
        defer { files.cleanUp() }
        let view = try state.image.map { try store.overlayView(of: $0, upperDir: try emptyDirectory()) }
        let owner = try copy.chown.map { try LayerCopy.owner($0, in: view) }
        let mode = try copy.chmod.map { text in
            guard let value = UInt32(text, radix: 8), value <= 0o7777 else {
                throw SwrunError(.invalidArgument, "invalid chmod parameter: \(text)")
            }
            return value
        }
        let digest = try LayerCopy.cacheDigest(root: files.root, sources: files.sources, ignore: files.ignore, chown: owner, chmod: mode,
                                               exclude: copy.exclude)
        let workdir = state.config.workingDir ?? "/"
        var flags: [String] = []
        if let from = copy.from { flags.append("--from=" + from) }
        if let chown = copy.chown { flags.append("--chown=" + chown) }
        if let chmod = copy.chmod { flags.append("--chmod=" + chmod) }
        if copy.link { flags.append("--link") }
        if let checksum = copy.checksum { flags.append("--checksum=" + checksum) }
        let createdBy = ([name] + flags + copy.sources + [copy.destination]).joined(separator: " ") + " # buildkit"
        let key = [name, digest, copy.destination, "workdir=" + workdir, "from=" + (files.fromImage ?? ""),
                   "exclude=" + copy.exclude.joined(separator: "\n")] + copy.sources
        let config = state.config
        try commitStep(&state, key: key, createdBy: createdBy, config: config) { [self] in
            let upper = try scratchDirectory("copy")
            do {
                try LayerCopy.copy(root: files.root, sources: files.sources, ignore: files.ignore, destination: copy.destination,
                                   workdir: workdir, into: upper, image: view, chown: owner, chmod: mode, extractArchives: add && !fetched,
                                   exclude: copy.exclude)
            } catch {
                try? FileIO.removeTree(upper)
                throw error
            }
            return StepLayer(directory: upper, remove: { try? FileIO.removeTree(upper) })
        }
    }

    /// Where a COPY reads from: the context, a stage's or an image's files (`--from`,
    /// copied out of its layers into a scratch directory), or its heredocs.
    private func sourceFiles(of copy: CopyInstruction, stage: Stage) throws -> CopySources {
        let heredocNames = Set(copy.heredocs.map(\.name))
        if !copy.heredocs.isEmpty, copy.sources.allSatisfy({ heredocNames.contains(Self.heredocName($0)) }) {
            let root = try scratchDirectory("heredoc")
            var sources: [ContextSource] = []
            for heredoc in copy.heredocs {
                try FileIO.writeFile(root + "/" + heredoc.name, heredoc.content)
                sources.append(ContextSource(path: heredoc.name, isDirectory: false))
            }
            return CopySources(root: root, sources: sources, ignore: try IgnorePatterns(parsing: ""), fromImage: nil, scratch: root)
        }
        guard let from = copy.from else {
            return CopySources(root: context.root, sources: try context.resolve(copy.sources), ignore: context.ignore,
                               fromImage: nil, scratch: nil)
        }
        let image = try image(named: from, before: stage.index)
        let view = try store.overlayView(of: image, upperDir: try emptyDirectory())
        let root = try scratchDirectory("from")
        do {
            var sources: [ContextSource] = []
            for source in copy.sources {
                for path in try Self.expand(source, in: view) {
                    guard let node = try view.resolve(path, followLast: true).node else {
                        throw SwrunError(.notFound, "failed to compute cache key: failed to calculate checksum of ref: \"\(path)\": not found")
                    }
                    let relative = String(path.dropFirst())
                    if relative.isEmpty {
                        try view.copyOut("/.", to: root)
                    } else {
                        let parent = root + "/" + (relative.split(separator: "/").dropLast().joined(separator: "/"))
                        try FileIO.makeDirectories(parent)
                        try view.copyOut(path, to: parent)
                    }
                    sources.append(ContextSource(path: relative.isEmpty ? "." : relative, isDirectory: node.isDirectory))
                }
            }
            return CopySources(root: root, sources: sources, ignore: try IgnorePatterns(parsing: ""), fromImage: image.id.string, scratch: root)
        } catch {
            try? FileIO.removeTree(root)
            throw error
        }
    }

    /// `<<EOF`, `<<-"EOF"` → `EOF`.
    static func heredocName(_ source: String) -> String {
        var name = Substring(source)
        if name.hasPrefix("<<") { name = name.dropFirst(2) }
        if name.hasPrefix("-") { name = name.dropFirst() }
        return String(name.filter { $0 != "\"" && $0 != "'" })
    }

    /// A `--from` source as absolute paths of the view: itself, or the matches of a
    /// wildcard in its last component.
    static func expand(_ source: String, in view: OverlayView) throws -> [String] {
        let path = cleanPath(source)
        guard path.split(separator: "/").last?.contains(where: { "*?[".contains($0) }) == true else {
            return [path]
        }
        let parts = path.split(separator: "/").map(String.init)
        let parent = "/" + parts.dropLast().joined(separator: "/")
        let pattern = parts.last ?? ""
        guard let directory = try view.resolve(parent, followLast: true).node, directory.isDirectory else {
            throw SwrunError(.notFound, "failed to compute cache key: failed to calculate checksum of ref: \"\(source)\": not found")
        }
        let matches = try view.list(directory).compactMap { child -> String? in
            guard let name = child.path.last, try PathMatch.matches(pattern, name) else { return nil }
            return (parent == "/" ? "" : parent) + "/" + name
        }
        guard !matches.isEmpty else {
            throw SwrunError(.notFound, "failed to compute cache key: failed to calculate checksum of ref: \"\(source)\": not found")
        }
        return matches.sorted()
    }
}

/// The files a COPY reads, and the scratch directory (if any) to remove afterwards.
struct CopySources {
    let root: String
    let sources: [ContextSource]
    let ignore: IgnorePatterns
    /// The image ID for `--from`, which keys the cache with the digest.
    let fromImage: String?
    let scratch: String?

    func cleanUp() {
        if let scratch { try? FileIO.removeTree(scratch) }
    }
}
