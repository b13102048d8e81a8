import Glibc
import SwrunLayer
import SwrunOS

/// `COPY --chown`: the owner, from the image's own user database.
extension LayerCopy {
    /// `--chown=user:group` names resolved in the image's /etc/passwd and /etc/group (read
    /// through `image`), numbers as they are; BuildKit's errors for unknown names.
    ///
    /// As BuildKit: a user alone sets the group too, a name's to its passwd entry's
    /// primary group, a number's to the same number; "root" is 0.
    public static func owner(_ spec: String, in image: OverlayView?) throws -> (uid: UInt32, gid: UInt32) {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let user = parts[0]
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        if let number = number(user) {
            uid = number
            gid = number
        } else if !user.isEmpty {
            let resolved = try UserDatabase.resolve(user, passwd: try readFile("/etc/passwd", in: image), group: nil)
            uid = resolved.uid
            gid = resolved.gid
        }
        if parts.count > 1, !parts[1].isEmpty {
            let group = parts[1]
            if let number = number(group) {
                gid = number
            } else {
                gid = try UserDatabase.resolve("0:" + group, passwd: nil, group: try readFile("/etc/group", in: image)).gid
            }
        }
        return (uid, gid)
    }

    /// A user or group id as BuildKit parses it: "root" or a decimal number.
    private static func number(_ text: String) -> UInt32? {
        text == "root" ? 0 : UInt32(text)
    }

    /// The text of the image's file at `path`, nil when it has none (or no image).
    private static func readFile(_ path: String, in image: OverlayView?) throws -> String? {
        guard let image, let node = try? image.resolve(path, followLast: true).node, (node.info.st_mode & S_IFMT) == S_IFREG else {
            return nil
        }
        let fd = try image.openFile(node)
        defer { close(fd) }
        return String(decoding: try FileIO.readAll(fd, step: "read \(path)"), as: UTF8.self)
    }
}
