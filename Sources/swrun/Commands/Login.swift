import ArgumentParser
import Foundation
import SwrunOCI
import SwrunOS
import SwrunRegistry

struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", abstract: "Log in to a registry.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(name: [.customShort("u"), .long], help: "Username.")
    var username: String?
    @Option(name: [.customShort("p"), .long], help: "Password.")
    var password: String?
    @Flag(name: .long, help: "Take the password from stdin.")
    var passwordStdin = false
    @Argument(help: "The registry (default: docker.io).")
    var server: String?

    mutating func run() throws {
        let host = try registryHost(server ?? Reference.defaultDomain)
        if password != nil && passwordStdin {
            throw SwrunError(.invalidArgument, "--password and --password-stdin are mutually exclusive")
        }
        var secret = password
        if password != nil {
            FileHandle.standardError.write(Data("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n".utf8))
        }
        if passwordStdin {
            guard username != nil else { throw SwrunError(.invalidArgument, "Must provide --username with --password-stdin") }
            var text = String(decoding: try FileIO.readAll(0, step: "read password from stdin"), as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            secret = text
        }
        var user = username
        if user == nil || secret == nil {
            guard isatty(0) == 1 else {
                throw SwrunError(.invalidArgument, "Cannot perform an interactive login from a non TTY device")
            }
            if user == nil { user = Self.prompt("Username: ", echo: true) }
            if secret == nil { secret = Self.prompt("Password: ", echo: false) }
        }
        guard let user, !user.isEmpty else { throw SwrunError(.invalidArgument, "Error: Non-null Username Required") }
        guard let secret, !secret.isEmpty else { throw SwrunError(.invalidArgument, "Error: Non-null Password Required") }

        let config = try RegistryConfig.load(path: global.configPath)
        let client = RegistryClient(registry: host, config: config, credentials: Credentials(username: user, password: secret))
        defer { client.shutdownBlocking() }
        do {
            try runBlocking { try await client.ping() }
        } catch let error as SwrunError {
            throw SwrunError(error.code, "login to \(host)", cause: error)
        }
        try registry.credentialStore.set(host: host, username: user, password: secret)
        print("Login Succeeded")
    }

    /// Reads one line from the terminal, with echo off for secrets.
    static func prompt(_ text: String, echo: Bool) -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        let restore = !echo && tcgetattr(0, &saved) == 0
        if restore {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSANOW, &quiet)
        }
        let line = readLine(strippingNewline: true) ?? ""
        if restore {
            tcsetattr(0, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return line
    }
}

struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Log out from a registry.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Argument(help: "The registry (default: docker.io).")
    var server: String?

    mutating func run() throws {
        let host = try registryHost(server ?? Reference.defaultDomain)
        if try registry.credentialStore.remove(host: host) {
            print("Removing login credentials for \(host)")
        } else {
            print("Not logged in to \(host)")
        }
    }
}
