import Foundation
import SwrunRuntime

/// How a `run` or `exec` client attaches to its container.
enum ClientAttach {
    /// The attach options for `-i`/`-t`/`--detach-keys`. As docker, `-it` on an input
    /// that is not a terminal drops the terminal (clearing `tty`) with a warning.
    static func options(interactive: Bool, tty: inout Bool, detach: Bool, detachKeys: String) throws -> AttachOptions {
        if tty && interactive && !detach && isatty(0) == 0 {
            FileHandle.standardError.write(Data("the input device is not a TTY\n".utf8))
            tty = false
        }
        return AttachOptions(stdin: interactive, tty: tty, detachKeys: try AttachOptions.parseDetachKeys(detachKeys))
    }
}
