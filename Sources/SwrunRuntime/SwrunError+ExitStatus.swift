#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

extension SwrunError {
    /// Setup or exec failed inside the container; `step` names where ("exec",
    /// "pivot_root"). An exec that found no file is `.commandNotFound`, one that could
    /// not run it `.commandNotExecutable`, as docker tells them apart.
    static func containerStart(step: String, errno err: Int32, message: String) -> SwrunError {
        let code: Code = step != "exec" ? .system : err == ENOENT ? .commandNotFound : .commandNotExecutable
        return SwrunError(code, message, errno: err)
    }

    /// docker's exit status for a command that failed with `error` before the
    /// container's own process could decide one: 127 command not found, 126 not
    /// executable, 125 anything else.
    public static func exitStatus(for error: any Error) -> Int32 {
        let code = (error as? SwrunError)?.code
        if code == .commandNotFound { return 127 }
        if code == .commandNotExecutable { return 126 }
        return 125
    }
}
