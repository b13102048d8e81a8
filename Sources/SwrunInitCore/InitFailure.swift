import CSwrun
import Glibc

/// A failed setup step: what was being done and the errno it failed with.
package struct InitFailure: Error {
    package var step: String
    package var errno: Int32
    package var message: String

    init(_ step: String, errno err: Int32 = sw_errno(), message: String? = nil) {
        self.step = step
        self.errno = err
        self.message = message ?? "\(step): \(String(cString: strerror(err)))"
    }
}

/// Throws an `InitFailure` naming `step` when a C call returned a negative value.
@inline(__always)
func check(_ rc: Int32, _ step: @autoclosure () -> String) throws {
    if rc < 0 { throw InitFailure(step()) }
}

/// Like `check`, for a call that older kernels lack: ENOSYS becomes one line naming
/// the facility and the first Linux release that has it.
@inline(__always)
func check(_ rc: Int32, _ step: @autoclosure () -> String, facility: String, since release: String) throws {
    guard rc < 0 else { return }
    let err = sw_errno()
    if err == ENOSYS {
        throw InitFailure(step(), errno: err, message: "\(step()): this kernel lacks \(facility) (Linux \(release) or later)")
    }
    throw InitFailure(step(), errno: err)
}
