import Glibc
import SwrunLayer
import SwrunOS

/// The runtime makes a mount point for each `--mount` the image lacks (an empty file
/// or directory, and its missing parents); BuildKit leaves them out of the layer, and
/// so does this: a secret's target must not show in the image.
extension RunMounts {
    /// The mount targets and parents `image` does not have, deepest first.
    func stubs(absentFrom image: OverlayView?) -> [String] {
        var missing: Set<String> = []
        for target in targets {
            var path = target
            while path != "/" {
                if let image, (try? image.resolve(path, followLast: false).node) != nil { break }
                missing.insert(path)
                path = FileIO.parentPath(path)
            }
        }
        return missing.sorted { $0.split(separator: "/").count > $1.split(separator: "/").count }
    }

    /// Removes the stubs from a finished step's upper dir: only empty files and empty
    /// directories, so whatever the step wrote there stays.
    static func removeStubs(_ stubs: [String], from upperDir: String) {
        for stub in stubs {
            let path = upperDir + stub
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG where info.st_size == 0: unlink(path)
            case S_IFDIR: rmdir(path)
            default: break
            }
        }
    }
}
