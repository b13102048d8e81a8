import Foundation
import Glibc
import Testing

/// A private `docker-registry` (distribution 2.x) on 127.0.0.1 for one test: its own
/// config, storage and log in a temp directory, optional htpasswd auth, stopped by pid.
final class LocalRegistry {
    static let binary = "/usr/bin/docker-registry"

    /// The manifest media types the registry is asked for (it answers with the stored one).
    static let manifestTypes = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]

    let directory: String
    let port: UInt16
    /// `127.0.0.1:PORT`, the registry part of image names pushed here.
    let host: String
    /// The user and password the registry requires; nil when it has no auth.
    let credentials: (user: String, password: String)?
    /// The registry's TLS certificate and key, and the CA that signed them; nil for plain HTTP.
    let tls: (certificate: String, key: String, authority: String)?
    var scheme: String { tls == nil ? "http" : "https" }
    /// curl's options for the registry's scheme.
    var curlTLS: [String] { tls.map { ["--cacert", $0.authority] } ?? [] }
    private let process: Process
    private var stopped = false

    var logPath: String { directory + "/registry.log" }
    var storagePath: String { directory + "/storage" }

    /// Starts the registry and waits until `GET /v2/` answers (401 counts when it has auth).
    init(credentials: (user: String, password: String)? = nil, tls: (certificate: String, key: String, authority: String)? = nil) throws {
        guard Host.exists(Self.binary) else {
            throw HarnessError("\(Self.binary) is missing: apt-get install -y docker-registry apache2-utils")
        }
        directory = "/tmp/swrun-registry-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory + "/storage", withIntermediateDirectories: true)
        self.credentials = credentials
        self.tls = tls
        let tlsConfig = tls.map { "\n  tls:\n    certificate: \($0.certificate)\n    key: \($0.key)" } ?? ""
        var auth = ""
        if let credentials {
            let made = Host.run("/usr/bin/htpasswd", ["-Bbn", credentials.user, credentials.password])
            guard made.status == 0, !made.stdout.isEmpty else {
                try? FileManager.default.removeItem(atPath: directory)
                throw HarnessError("htpasswd -Bbn failed (exit \(made.status)): apt-get install -y apache2-utils")
            }
            try made.stdout.write(toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
            auth = """
                auth:
                  htpasswd:
                    realm: swrun-test
                    path: \(directory)/htpasswd

                """
        }
        // The free port is found by binding 0 and released before the registry binds it;
        // another process taking it in between shows up as the registry exiting, and the
        // start is retried on a new port.
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try Self.freePort()
            let configPath = directory + "/config.yml"
            try """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: false
                storage:
                  filesystem:
                    rootdirectory: \(directory)/storage
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:\(port)\(tlsConfig)
                \(auth)
                """.write(toFile: configPath, atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: directory + "/registry.log", contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["serve", configPath]
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
            let log = FileHandle(forWritingAtPath: directory + "/registry.log")
            process.standardOutput = log
            process.standardError = log
            try process.run()
            do {
                try Self.waitUntilServing(
                    url: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)/v2/", curl: tls.map { ["--cacert", $0.authority] } ?? [],
                    process: process, acceptUnauthorized: credentials != nil)
                self.port = port
                self.host = "127.0.0.1:\(port)"
                self.process = process
                return
            } catch {
                lastError = error
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let log = Host.read(directory + "/registry.log") ?? ""
        try? FileManager.default.removeItem(atPath: directory)
        throw HarnessError("docker-registry did not start: \(lastError.map { "\($0)" } ?? "?")\n\(log.suffix(2000))")
    }

    deinit { stop() }

    /// Kills the registry by its pid and removes its directory (storage included).
    func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A port on 127.0.0.1 that nothing listens on right now (the kernel's pick for port 0).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = Socket.loopback(port: 0)
        guard Socket.bind(fd, &address) == 0 else { throw HarnessError("bind 127.0.0.1:0: errno \(errno)") }
        return try Socket.localPort(fd)
    }

    private static func waitUntilServing(url: String, curl: [String], process: Process, acceptUnauthorized: Bool) throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            guard process.isRunning else { throw HarnessError("exited with status \(process.terminationStatus)") }
            let status = Host.run("/usr/bin/curl", curl + [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url,
            ]).stdout
            if status == "200" || (acceptUnauthorized && status == "401") { return }
            usleep(50_000)
        }
        throw HarnessError("GET /v2/ did not answer within 15 s")
    }

    // MARK: Queries, through curl (with the registry's credentials when it has auth)

    /// One HTTP exchange with the registry: status, lower-cased headers and body.
    struct Response {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(_ path: String, method: String = "GET", accept: [String] = [], authenticated: Bool = true) -> Response {
        let token = UUID().uuidString.prefix(8)
        let headerPath = directory + "/.headers-" + token
        let bodyPath = directory + "/.body-" + token
        defer {
            unlink(headerPath)
            unlink(bodyPath)
        }
        var arguments = curlTLS + ["-s", "--max-time", "30", "-X", method, "-D", headerPath, "-o", bodyPath, "-w", "%{http_code}"]
        if method == "HEAD" { arguments += ["-I"] }
        for type in accept { arguments += ["-H", "Accept: " + type] }
        if authenticated, let credentials { arguments += ["-u", credentials.user + ":" + credentials.password] }
        arguments.append("\(scheme)://\(host)\(path)")
        let result = Host.run("/usr/bin/curl", arguments)
        var headers: [String: String] = [:]
        for line in (Host.read(headerPath) ?? "").components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: bodyPath))) ?? Data()
        return Response(status: Int(result.stdout) ?? -1, headers: headers, body: body)
    }

    /// The repositories `/v2/_catalog` lists.
    func catalog() -> [String] {
        let response = request("/v2/_catalog?n=1000")
        struct Catalog: Decodable { let repositories: [String] }
        return (try? JSONDecoder().decode(Catalog.self, from: response.body))?.repositories ?? []
    }

    /// The tags `/v2/REPO/tags/list` lists.
    func tags(_ repository: String) -> [String] {
        let response = request("/v2/\(repository)/tags/list")
        struct Tags: Decodable { let tags: [String]? }
        return ((try? JSONDecoder().decode(Tags.self, from: response.body))?.tags ?? []).sorted()
    }

    /// The manifest stored for `REPO:REFERENCE` and its digest (`Docker-Content-Digest`).
    func manifest(_ repository: String, _ reference: String) -> (digest: String, mediaType: String, body: Data)? {
        let response = request("/v2/\(repository)/manifests/\(reference)", accept: Self.manifestTypes)
        guard response.status == 200, let digest = response.headers["docker-content-digest"] else { return nil }
        return (digest, response.headers["content-type"] ?? "", response.body)
    }

    /// The config and layer digests a stored manifest names.
    func blobDigests(_ repository: String, _ reference: String) -> (config: String, layers: [String])? {
        guard let manifest = manifest(repository, reference) else { return nil }
        struct Descriptor: Decodable { let digest: String }
        struct Manifest: Decodable {
            let config: Descriptor
            let layers: [Descriptor]
        }
        guard let parsed = try? JSONDecoder().decode(Manifest.self, from: manifest.body) else { return nil }
        return (parsed.config.digest, parsed.layers.map(\.digest))
    }

    /// Every blob the registry holds on disk, as `sha256:HEX`, sorted.
    func storedBlobs() -> [String] {
        let root = storagePath + "/docker/registry/v2/blobs/sha256"
        var digests: [String] = []
        for prefix in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            for hex in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + prefix)) ?? []
            where Host.exists(root + "/" + prefix + "/" + hex + "/data") {
                digests.append("sha256:" + hex)
            }
        }
        return digests.sorted()
    }
}

/// A harness failure (a tool missing, a server not starting), as one line.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The few POSIX socket calls the registry harness and the proxy share.
enum Socket {
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func bind(_ fd: Int32, _ address: inout sockaddr_in) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    static func connect(_ fd: Int32, _ address: inout sockaddr_in) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    static func localPort(_ fd: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { throw HarnessError("getsockname: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}

extension Swrun {
    /// Runs `swrun --root <root> <arguments>` with `environment` added to this process's
    /// environment (the registry suites point `REGISTRY_AUTH_FILE` at a temp file).
    @discardableResult
    func run(
        _ arguments: [String], environment: [String: String], stdin: Data? = nil, timeout: TimeInterval = defaultTimeout
    ) -> CommandResult {
        let token = UUID().uuidString.prefix(8)
        let outputPath = base + "/.out-" + token
        let errorPath = base + "/.err-" + token
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--root", root] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let stdin {
            let inputPath = base + "/.in-" + token
            _ = FileManager.default.createFile(atPath: inputPath, contents: stdin)
            process.standardInput = FileHandle(forReadingAtPath: inputPath)
        } else {
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        }
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return CommandResult(status: -1, stdout: "", stderr: "could not start \(Self.binary): \(error)", timedOut: false)
        }
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "",
            timedOut: timedOut)
    }
}
