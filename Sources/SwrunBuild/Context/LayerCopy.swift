import Glibc
import SwrunDockerfile
import SwrunLayer
import SwrunOS

/// Copying files into a layer directory: the `upper` of a step.
public enum LayerCopy {
    /// Copies `sources` from `root` to `destination` (an absolute path in the image) under
    /// `upper`, following docker's COPY rules (directory contents not the directory; dest
    /// ending in "/" or several sources → a directory; existing directories in the image
    /// (read through `image`, an OverlayView of the step's base) stay directories). Parent
    /// directories that the image already has are created in `upper` with the image's mode
    /// and owner, so the layer does not change them; new ones are root 0755 (--chown's
    /// owner and --chmod's mode when given, as BuildKit).
    /// `chown` applies to everything copied, `chmod` too. `extractArchives` (ADD): a local
    /// tar (plain, gzip, bzip2, xz) is unpacked at the destination instead of copied.
    ///
    /// A relative `destination` is relative to `workdir`. Symlinks of the image on the
    /// destination path are followed inside the image's root, as BuildKit does.
    /// `exclude` (COPY --exclude patterns) leaves out what they match below a directory
    /// source, paths taken relative to it; as BuildKit, not a source itself.
    public static func copy(root: String, sources: [ContextSource], ignore: IgnorePatterns, destination: String, workdir: String,
                            into upper: String, image: OverlayView?, chown: (uid: UInt32, gid: UInt32)?, chmod: UInt32?,
                            extractArchives: Bool, exclude: [String] = []) throws {
        let excluded = try exclude.isEmpty ? nil : IgnorePatterns(parsing: exclude.joined(separator: "\n"))
        let context = try ContextTree(root: root, ignore: ignore)
        let tree = try UpperTree(path: upper, image: image)
        let owner = chown ?? (0, 0)
        let absolute = destination.hasPrefix("/") ? destination : workdir + "/" + destination
        let asDirectory = absolute.hasSuffix("/") || absolute.hasSuffix("/.") || sources.count > 1
        let target = try tree.resolve(BuildContext.clean(absolute))
        var writer = CopyWriter(upper: tree, owner: owner, chmod: chmod.map { mode_t($0 & 0o7777) })
        if asDirectory { close(try tree.ensureDirectory(target, owner: owner, mode: writer.newDirectoryMode)) }
        for source in sources {
            guard let found = try context.find(BuildContext.clean(source.path)) else {
                throw BuildContext.notFound(BuildContext.clean(source.path), root: root)
            }
            if extractArchives, (found.info.st_mode & S_IFMT) == S_IFREG, let archive = try openArchive(found, in: context) {
                defer { close(archive) }
                try extract(archive, named: source.path, into: tree, at: target, chown: chown)
                continue
            }
            if found.isDirectory {
                try copyDirectory(found, to: target, exclude: excluded, context: context, tree: tree, writer: &writer)
            } else {
                try copyFile(found, named: source.name, to: target, context: context, tree: tree, writer: &writer)
            }
        }
        try tree.finish()
    }

    /// A directory source: its contents go into `target`, created (with the source
    /// directory's metadata) when it does not exist; an existing one keeps its own.
    private static func copyDirectory(_ found: ContextTree.Found, to target: [String], exclude: IgnorePatterns?, context: ContextTree,
                                      tree: UpperTree, writer: inout CopyWriter) throws {
        if let existing = try tree.lookup(target) {
            guard existing.isDirectory else { throw CopyWriter.notDirectory(target) }
            try writer.push(fd: try tree.ensureDirectory(target, owner: writer.owner, mode: writer.newDirectoryMode), components: target, times: nil)
        } else {
            let parent = try tree.ensureDirectory(Array(target.dropLast()), owner: writer.owner, mode: writer.newDirectoryMode)
            defer { close(parent) }
            let name = target[target.count - 1]
            guard mkdirat(parent, name, 0o700) == 0 else { throw SwrunError.system("mkdir " + UpperTree.display(target)) }
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw SwrunError.system("open " + UpperTree.display(target)) }
            guard fchown(fd, writer.owner.uid, writer.owner.gid) == 0, fchmod(fd, writer.mode(of: found.info)) == 0 else {
                let err = errno
                close(fd)
                throw SwrunError.system("set owner and mode of " + UpperTree.display(target), errno: err)
            }
            try writer.push(fd: fd, components: target, times: CopyWriter.times(found.info))
        }
        do {
            try context.walk(found, exclude: exclude, visitor: &writer)
        } catch {
            while !writer.frames.isEmpty { try? writer.pop() }
            throw error
        }
        try writer.pop()
    }

    /// A file, symlink or device source: `target/name` when `target` is a directory,
    /// else `target` itself.
    private static func copyFile(_ found: ContextTree.Found, named name: String, to target: [String], context: ContextTree,
                                 tree: UpperTree, writer: inout CopyWriter) throws {
        let path = try tree.lookup(target)?.isDirectory == true || target.isEmpty ? target + [name] : target
        let parent = try tree.ensureDirectory(Array(path.dropLast()), owner: writer.owner, mode: writer.newDirectoryMode)
        try writer.push(fd: parent, components: Array(path.dropLast()), times: nil)
        defer { try? writer.pop() }
        guard let sourceParent = try context.openDirectory(Array(found.components.dropLast())) else {
            throw SwrunError(.notFound, "/" + found.contextPath + ": vanished")
        }
        defer { if sourceParent != context.rootFD { close(sourceParent) } }
        let entry = ContextEntry(name: Array((found.components.last ?? ".").utf8CString), relative: name,
                                 parentFD: sourceParent, info: found.info)
        try writer.write(entry, as: Array(path[path.count - 1].utf8CString))
    }
}
