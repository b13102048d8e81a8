import CSwrun
import Glibc

/// A failed setup step: what was being done and the errno it failed with.
struct InitFailure: Error {
    var step: String
    var errno: Int32
    var message: String

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
