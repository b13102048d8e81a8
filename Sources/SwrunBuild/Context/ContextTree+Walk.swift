import Glibc
import SwrunDockerfile
import SwrunOS

/// What a walk of a context directory hands its visitor.
protocol ContextVisitor {
    /// A directory below the walked one, before its entries.
    mutating func enterDirectory(_ entry: ContextEntry) throws
    /// After the directory's entries.
    mutating func leaveDirectory(_ entry: ContextEntry) throws
    /// Anything but a directory.
    mutating func visit(_ entry: ContextEntry) throws
}

/// One entry met by `ContextTree.walk`, valid during the visitor's call.
struct ContextEntry {
    /// The name, NUL-terminated, for the *at() calls on `parentFD`.
    let name: [CChar]
    /// The path below the walked directory, "/"-separated.
    let relative: String
    /// The directory holding it, in the context.
    let parentFD: Int32
    let info: stat

    var type: mode_t { info.st_mode & S_IFMT }
}

/// Walking a directory of the context, .dockerignore applied.
extension ContextTree {
    /// Walks the directory `found` (no symlink followed below it), entries sorted by
    /// name. An excluded directory that an exception reaches into is entered only when
    /// something below it is part of the context, as BuildKit's context transfer sends it.
    /// `exclude` (COPY --exclude) matches paths below `found`, with the same rules.
    func walk<Visitor: ContextVisitor>(_ found: Found, exclude: IgnorePatterns? = nil, visitor: inout Visitor) throws {
        guard let fd = try openDirectory(found.components) else {
            throw SwrunError(.notFound, "/" + found.contextPath + ": vanished")
        }
        defer { if fd != rootFD { close(fd) } }
        var pending: [(entry: ContextEntry, entered: Bool)] = []
        let filter = Filter(ignore: ignore.isEmpty ? nil : ignore, exclude: exclude?.isEmpty == false ? exclude : nil)
        try walk(fd, contextPath: found.contextPath, relative: "", filter: filter, pending: &pending, visitor: &visitor)
    }

    private func walk<Visitor: ContextVisitor>(
        _ dirFD: Int32, contextPath: String, relative: String, filter: Filter,
        pending: inout [(entry: ContextEntry, entered: Bool)], visitor: inout Visitor
    ) throws {
        for name in try Self.names(dirFD, subject: contextPath) {
            var info = stat()
            guard fstatat(dirFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue }
                throw SwrunError.system("lstat /" + contextPath)
            }
            let text = String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let childContext = contextPath.isEmpty ? text : contextPath + "/" + text
            let entry = ContextEntry(name: name, relative: relative.isEmpty ? text : relative + "/" + text, parentFD: dirFD, info: info)
            let isDirectory = entry.type == S_IFDIR
            let (excluded, reachable) = filter.check(contextPath: childContext, relative: entry.relative, isDirectory: isDirectory)
            if excluded && !reachable { continue }
            if !excluded {
                // Something is copied: the excluded directories above it exist after all.
                for index in pending.indices where !pending[index].entered {
                    try visitor.enterDirectory(pending[index].entry)
                    pending[index].entered = true
                }
            }
            guard isDirectory else {
                try visitor.visit(entry)
                continue
            }
            let childFD = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard childFD >= 0 else { throw SwrunError.system("open /" + childContext) }
            defer { close(childFD) }
            if excluded {
                pending.append((entry, false))
            } else {
                try visitor.enterDirectory(entry)
            }
            try walk(childFD, contextPath: childContext, relative: entry.relative, filter: filter, pending: &pending, visitor: &visitor)
            if excluded {
                if pending.removeLast().entered { try visitor.leaveDirectory(entry) }
            } else {
                try visitor.leaveDirectory(entry)
            }
        }
    }

    /// The rules that leave entries out of a walk: .dockerignore on paths in the context,
    /// COPY --exclude on paths below the copied directory.
    struct Filter {
        let ignore: IgnorePatterns?
        let exclude: IgnorePatterns?

        /// Whether the entry is left out, and if so, whether it is a directory that
        /// every rule leaving it out has an exception below (the walk goes on inside).
        func check(contextPath: String, relative: String, isDirectory: Bool) -> (excluded: Bool, reachable: Bool) {
            let ignored = ignore?.excludes(contextPath) ?? false
            let excluded = exclude?.excludes(relative) ?? false
            guard ignored || excluded else { return (false, true) }
            let reachable = isDirectory && (!ignored || ignore?.hasExceptions(under: contextPath) == true)
                && (!excluded || exclude?.hasExceptions(under: relative) == true)
            return (true, reachable)
        }
    }

    /// The names in the directory `fd` (not consumed), NUL-terminated, sorted bytewise.
    static func names(_ fd: Int32, subject: String) throws -> [[CChar]] {
        let own = dup(fd)
        guard own >= 0 else { throw SwrunError.system("dup") }
        guard let directory = fdopendir(own) else {
            let err = errno
            close(own)
            throw SwrunError.system("opendir /" + subject, errno: err)
        }
        defer { closedir(directory) }
        rewinddir(directory)
        var names: [[CChar]] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw SwrunError.system("readdir /" + subject) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.bindMemory(to: CChar.self).prefix { $0 != 0 }) + [0]
            }
            if name == [46, 0] || name == [46, 46, 0] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) { UInt8(bitPattern: $0) < UInt8(bitPattern: $1) } }
    }
}
