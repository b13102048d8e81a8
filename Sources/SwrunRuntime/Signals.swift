import Glibc
import SwrunOS

/// Signal names as docker's `signal.ParseSignal` reads them.
public enum Signals {
    public static let names: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT,
        "IOT": SIGIOT, "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV,
        "USR2": SIGUSR2, "PIPE": SIGPIPE, "ALRM": SIGALRM, "TERM": SIGTERM, "STKFLT": SIGSTKFLT,
        "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP, "TSTP": SIGTSTP, "TTIN": SIGTTIN,
        "TTOU": SIGTTOU, "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ, "VTALRM": SIGVTALRM,
        "PROF": SIGPROF, "WINCH": SIGWINCH, "IO": SIGIO, "POLL": SIGPOLL, "PWR": SIGPWR, "SYS": SIGSYS,
    ]

    /// A signal given as a number, or a name with or without "SIG" in any case
    /// (RTMIN, RTMIN+3, RTMAX-2 included).
    public static func number(_ text: String) throws -> Int32 {
        let invalid = SwrunError(.invalidArgument, "Invalid signal: \(text)")
        if let number = Int32(text) {
            guard number > 0, number < 65 else { throw invalid }
            return number
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let number = names[name] { return number }
        let rtmin = Int32(__libc_current_sigrtmin()), rtmax = Int32(__libc_current_sigrtmax())
        let realtime: [(String, Int32, Int32)] = [("RTMIN+", rtmin, 1), ("RTMAX-", rtmax, -1)]
        if name == "RTMIN" { return rtmin }
        if name == "RTMAX" { return rtmax }
        for (prefix, base, sign) in realtime where name.hasPrefix(prefix) {
            guard let offset = Int32(name.dropFirst(prefix.count)), offset >= 0, (rtmin...rtmax).contains(base + sign * offset) else {
                throw invalid
            }
            return base + sign * offset
        }
        throw invalid
    }
}
