import Glibc
import SwrunOS

extension ContainerStore {
    /// `.names/<name>` → container ID links, so that reserving or finding a name reads
    /// one link instead of every container's state. A link is a hint: its container
    /// must exist and still carry the name, else it holds nothing.
    var namesDirectory: String { directory + "/.names" }

    /// The container that holds `name`, if any.
    func holder(of name: String) -> ContainerState? {
        guard let id = try? FileIO.readLink(namesDirectory + "/" + name), let state = try? load(id), state.name == name else {
            return nil
        }
        return state
    }

    /// Links `name` to `id`, replacing a link that holds nothing. Call under the lock,
    /// after `holder(of:)` found none.
    func link(_ name: String, to id: String) throws {
        let path = namesDirectory + "/" + name
        Glibc.unlink(path)
        guard symlink(id, path) == 0 else { throw SwrunError.system("symlink \(path)") }
    }

    /// Drops `name`'s link if it points at `id`.
    func unlink(_ name: String, from id: String) {
        let path = namesDirectory + "/" + name
        if (try? FileIO.readLink(path)) == id { Glibc.unlink(path) }
    }

    /// Makes the links once for a store that has none (made before them), in a
    /// temporary directory renamed into place, so a crash leaves no partial set. Call
    /// under the lock.
    func indexNamesIfNeeded() throws {
        guard !FileIO.exists(namesDirectory) else { return }
        let building = directory + "/.names.tmp"
        try? FileIO.removeTree(building)
        guard mkdir(building, 0o700) == 0 else { throw SwrunError.system("mkdir \(building)") }
        for state in try list() where symlink(state.id, building + "/" + state.name) != 0 {
            throw SwrunError.system("symlink \(building)/\(state.name)")
        }
        guard Glibc.rename(building, namesDirectory) == 0 else { throw SwrunError.system("rename \(building)") }
    }

    /// Deletes links whose container is gone (a --rm container's monitor leaves its
    /// link behind; the name is free all the same).
    func sweepNames() {
        for name in (try? FileIO.directoryNames(namesDirectory)) ?? [] where holder(of: name) == nil {
            Glibc.unlink(namesDirectory + "/" + name)
        }
    }
}
