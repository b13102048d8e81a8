import Glibc
import SwrunOS

/// SOURCE_DATE_EPOCH for layers: file times later than the epoch are set to it
/// before the layer is written (BuildKit's rewrite-timestamp), so a step that writes
/// the same files writes the same layer, and the image ID repeats.
enum LayerTimes {
    static func clamp(_ directory: String, to seconds: Int64) throws {
        guard let dir = opendir(directory) else { throw SwrunError.system("opendir \(directory)") }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { throw SwrunError.system("lstat \(path)") }
            if (info.st_mode & S_IFMT) == S_IFDIR { try clamp(path, to: seconds) }
            try clampEntry(path, info: info, to: seconds)
        }
        var info = stat()
        guard lstat(directory, &info) == 0 else { throw SwrunError.system("lstat \(directory)") }
        try clampEntry(directory, info: info, to: seconds)
    }

    private static func clampEntry(_ path: String, info: stat, to seconds: Int64) throws {
        guard Int64(info.st_mtim.tv_sec) >= seconds else { return }
        let time = timespec(tv_sec: time_t(seconds), tv_nsec: 0)
        let times = [time, time]
        guard utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0 else { throw SwrunError.system("utimensat \(path)") }
    }
}
