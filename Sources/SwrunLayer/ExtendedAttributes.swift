import CSwrun
import Glibc
import SwrunOS

/// Reading and setting extended attributes, through CSwrun's wrappers: the Glibc
/// module leaves out <sys/xattr.h>. `scope` and `subject` name the failing step in
/// errors ("layer writer: getxattr NAME \"usr/bin\"").
enum ExtendedAttributes {
    /// The value of `name` on the file open at `fd` (not an O_PATH fd), nil when it
    /// has none: absent (ENODATA), unsupported by the filesystem (EOPNOTSUPP), or
    /// longer than `limit` bytes (ERANGE).
    static func value(_ name: String, fd: Int32, limit: Int, scope: String, subject: @autoclosure () -> String) throws -> [UInt8]? {
        var value = [UInt8](repeating: 0, count: limit)
        let count = value.withUnsafeMutableBytes { sw_fgetxattr(fd, name, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == ENODATA || errno == EOPNOTSUPP || errno == ERANGE { return nil }
            throw SwrunError.system("\(scope)getxattr \(name) \(subject())")
        }
        return Array(value[0..<count])
    }

    /// Every xattr of the file at `cPath` (a final symlink not followed), sorted by
    /// name; none on a filesystem without xattrs.
    static func all(_ cPath: UnsafePointer<CChar>, scope: String, subject: @autoclosure () -> String) throws -> [(name: String, value: [UInt8])] {
        let size = sw_llistxattr(cPath, nil, 0)
        if size < 0 {
            if errno == EOPNOTSUPP { return [] }
            throw SwrunError.system("\(scope)listxattr \(subject())")
        }
        guard size > 0 else { return [] }
        var list = [CChar](repeating: 0, count: size)
        let listed = sw_llistxattr(cPath, &list, list.count)
        guard listed >= 0 else { throw SwrunError.system("\(scope)listxattr \(subject())") }
        let names = list[0..<listed].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        var result: [(name: String, value: [UInt8])] = []
        for name in names.sorted() {
            let valueSize = sw_lgetxattr(cPath, name, nil, 0)
            guard valueSize >= 0 else {
                // Removed since the list was read.
                if errno == ENODATA { continue }
                throw SwrunError.system("\(scope)getxattr \(name) \(subject())")
            }
            var value = [UInt8](repeating: 0, count: valueSize)
            let read = value.withUnsafeMutableBytes { sw_lgetxattr(cPath, name, $0.baseAddress, $0.count) }
            guard read >= 0 else { throw SwrunError.system("\(scope)getxattr \(name) \(subject())") }
            result.append((name, Array(value[0..<read])))
        }
        return result
    }

    /// Sets `name` to `value` on the file open at `fd` (not an O_PATH fd).
    static func set(_ name: String, _ value: String, fd: Int32, scope: String, subject: @autoclosure () -> String) throws {
        guard sw_fsetxattr(fd, name, value, value.utf8.count) == 0 else {
            throw SwrunError.system("\(scope)setxattr \(name) \(subject())")
        }
    }
}
