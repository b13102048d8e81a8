import Foundation
import Testing
import SwrunDigest
@testable import SwrunOCI
@testable import SwrunOS
@testable import SwrunRegistry

/// A fake registry with docker's token auth (python3's http.server, stdlib only): every
/// `/v2/` endpoint wants a Bearer token from `/token`, which grants the scopes asked for
/// (push only if `grantPush`), optionally only to Basic credentials. Tokens live
/// `lifetime` seconds on the server while the answer claims `expiresIn`, so a test can
/// make the server drop a token the client still believes valid. Every token request
/// and API request is logged as one JSON line, written before the answer is sent.
final class FakeBearerRegistry: @unchecked Sendable {
    static let script = #"""
    import base64, hashlib, http.server, json, secrets, sys, threading, time
    from urllib.parse import urlsplit, parse_qs
    cfg = json.load(open(sys.argv[1]))
    log_path = sys.argv[2]
    lock = threading.Lock()
    tokens = {}      # token -> (grants {name: set(actions)}, expiry)
    blobs = {}       # name -> {digest: bytes}
    manifests = {}   # name -> {reference: bytes}
    uploads = {}     # id -> name
    port = [0]
    for name, items in cfg['blobs'].items():
        blobs[name] = {d: open(p, 'rb').read() for d, p in items.items()}
    for name, items in cfg['manifests'].items():
        for ref, p in items.items():
            data = open(p, 'rb').read()
            m = manifests.setdefault(name, {})
            m[ref] = data
            m['sha256:' + hashlib.sha256(data).hexdigest()] = data

    def log(entry):
        with lock:
            with open(log_path, 'a') as f:
                f.write(json.dumps(entry) + '\n')

    def errors(code, message):
        return json.dumps({'errors': [{'code': code, 'message': message}]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        def log_message(self, *args): pass

        def reply(self, status, body=b'', headers=()):
            if getattr(self, 'entry', None) is not None:
                self.entry['status'] = status
                log(self.entry)
            self.send_response(status)
            for k, v in headers: self.send_header(k, v)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if self.command != 'HEAD': self.wfile.write(body)

        def challenge(self, scope=None):
            value = 'Bearer realm="http://127.0.0.1:%d/token",service="fake-registry"' % port[0]
            if scope: value += ',scope="%s"' % scope
            self.reply(401, errors('UNAUTHORIZED', 'authentication required'),
                       [('WWW-Authenticate', value), ('Content-Type', 'application/json')])

        def bearer(self):
            h = self.headers.get('Authorization') or ''
            if not h.startswith('Bearer '): return None, 'basic' if h else 'none'
            with lock: entry = tokens.get(h[7:])
            if entry is None: return None, 'unknown'
            if time.time() >= entry[1]: return None, 'expired'
            return entry[0], 'valid'

        def token(self, url):
            q = parse_qs(url.query)
            scopes = q.get('scope', [])
            h = self.headers.get('Authorization') or ''
            basic = None
            if h.startswith('Basic '):
                try: basic = base64.b64decode(h[6:]).decode()
                except Exception: basic = '<undecodable>'
            want = cfg.get('username')
            ok = want is None or basic == '%s:%s' % (want, cfg.get('password'))
            self.entry = {'kind': 'token', 'scopes': scopes, 'service': q.get('service', [None])[0], 'basic': basic}
            if not ok:
                return self.reply(401, json.dumps({'details': 'incorrect username or password'}).encode(),
                                  [('Content-Type', 'application/json')])
            grants = {}
            for s in scopes:
                parts = s.split(':')
                if len(parts) == 3 and parts[0] == 'repository':
                    actions = set(parts[2].split(','))
                    if not cfg.get('grantPush', True): actions.discard('push')
                    grants.setdefault(parts[1], set()).update(actions)
            tok = secrets.token_hex(16)
            with lock: tokens[tok] = (grants, time.time() + cfg.get('lifetime', 300))
            body = {cfg.get('tokenField', 'token'): tok, 'expires_in': cfg.get('expiresIn', 300)}
            self.reply(200, json.dumps(body).encode(), [('Content-Type', 'application/json')])

        def handle_any(self):
            self.entry = None
            url = urlsplit(self.path)
            path = url.path
            n = int(self.headers.get('Content-Length') or 0)
            data = self.rfile.read(n) if n else b''
            if path == '/token' and self.command == 'GET': return self.token(url)
            grants, state = self.bearer()
            self.entry = {'kind': 'api', 'method': self.command, 'path': path, 'auth': state}
            if path == '/v2/':
                if grants is None: return self.challenge()
                return self.reply(200, b'{}', [('Content-Type', 'application/json')])
            if not path.startswith('/v2/'): return self.reply(404)
            rest = path[4:]
            for marker in ('/manifests/', '/blobs/uploads/', '/blobs/'):
                i = rest.find(marker)
                if i > 0: break
            else:
                return self.reply(404)
            name, kind, ref = rest[:i], marker, rest[i + len(marker):]
            push = self.command not in ('GET', 'HEAD')
            if grants is None or ('push' if push else 'pull') not in grants.get(name, ()):
                return self.challenge('repository:%s:%s' % (name, 'pull,push' if push else 'pull'))
            q = parse_qs(url.query)
            if kind == '/manifests/':
                if push:
                    m = manifests.setdefault(name, {})
                    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
                    m[ref] = data; m[digest] = data
                    return self.reply(201, b'', [('Docker-Content-Digest', digest)])
                data = manifests.get(name, {}).get(ref)
                if data is None: return self.reply(404, errors('MANIFEST_UNKNOWN', 'manifest unknown'))
                return self.reply(200, data, [('Content-Type', 'application/vnd.oci.image.manifest.v1+json'),
                                              ('Docker-Content-Digest', 'sha256:' + hashlib.sha256(data).hexdigest())])
            if kind == '/blobs/':
                data = blobs.get(name, {}).get(ref)
                if data is None: return self.reply(404, errors('BLOB_UNKNOWN', 'blob unknown'))
                return self.reply(200, data, [('Content-Type', 'application/octet-stream'), ('Docker-Content-Digest', ref)])
            # uploads
            if self.command == 'POST' and ref == '':
                mount, source = q.get('mount', [None])[0], q.get('from', [None])[0]
                if mount and source:
                    if 'pull' in grants.get(source, ()) and mount in blobs.get(source, {}):
                        blobs.setdefault(name, {})[mount] = blobs[source][mount]
                        return self.reply(201, b'', [('Location', '/v2/%s/blobs/%s' % (name, mount))])
                uid = secrets.token_hex(8)
                uploads[uid] = name
                return self.reply(202, b'', [('Location', '/v2/%s/blobs/uploads/%s' % (name, uid))])
            if self.command == 'PUT' and uploads.get(ref) == name:
                digest = q.get('digest', [''])[0]
                if digest != 'sha256:' + hashlib.sha256(data).hexdigest():
                    return self.reply(400, errors('DIGEST_INVALID', 'digest mismatch'))
                del uploads[ref]
                blobs.setdefault(name, {})[digest] = data
                return self.reply(201, b'', [('Location', '/v2/%s/blobs/%s' % (name, digest))])
            if self.command == 'DELETE' and ref in uploads:
                del uploads[ref]
                return self.reply(204)
            return self.reply(404, errors('BLOB_UPLOAD_UNKNOWN', 'upload unknown'))

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    port[0] = server.server_address[1]
    print(port[0], flush=True)
    server.serve_forever()
    """#

    /// One line of the fake's log.
    struct Entry: Decodable {
        var kind: String
        var status: Int
        // token requests
        var scopes: [String]?
        var service: String?
        var basic: String?
        // API requests
        var method: String?
        var path: String?
        var auth: String?
    }

    struct Options {
        var username: String?
        var password: String?
        var tokenField = "token"
        /// What the token answer claims.
        var expiresIn: Double = 300
        /// How long the server really honours a token.
        var lifetime: Double = 300
        var grantPush = true
    }

    let directory: String
    let port: Int
    let logPath: String
    /// The pullable content of `x/y`: a layer, a config and a manifest tagged `latest`.
    let layer: [UInt8]
    let layerDescriptor: Descriptor
    let configDescriptor: Descriptor
    let manifest: [UInt8]
    private let process = Process()

    var host: String { "127.0.0.1:\(port)" }

    init(_ options: Options = Options()) throws {
        directory = FileManager.default.temporaryDirectory.path + "/swrun-bearer-\(UUID().uuidString)"
        try FileIO.makeDirectories(directory)
        logPath = directory + "/log"
        layer = RegistryBearerTests.randomBytes(70_000)
        layerDescriptor = Descriptor(mediaType: MediaType.ociLayerTarGzip, digest: Digest.sha256(of: layer), size: Int64(layer.count))
        let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: Digest.sha256(of: config), size: Int64(config.count))
        manifest = try OCIJSON.encode(ImageManifest(config: configDescriptor, layers: [layerDescriptor]))
        try FileIO.writeFile(directory + "/layer", bytes: layer)
        try FileIO.writeFile(directory + "/config", bytes: config)
        try FileIO.writeFile(directory + "/manifest", bytes: manifest)
        var settings: [String: Any] = [
            "tokenField": options.tokenField, "expiresIn": options.expiresIn, "lifetime": options.lifetime,
            "grantPush": options.grantPush,
            "blobs": ["x/y": [layerDescriptor.digest.string: directory + "/layer", configDescriptor.digest.string: directory + "/config"]],
            "manifests": ["x/y": ["latest": directory + "/manifest"]],
        ]
        if let username = options.username { settings["username"] = username }
        if let password = options.password { settings["password"] = password }
        try FileIO.writeFile(directory + "/config.json", bytes: Array(try JSONSerialization.data(withJSONObject: settings)))

        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", FakeBearerRegistry.script, directory + "/config.json", logPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileIO.removeTree(directory)
            throw SwrunError(.system, "fake bearer registry did not start")
        }
        self.port = port
    }

    var entries: [Entry] {
        let text = (try? FileIO.readString(logPath)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
    }

    var tokenRequests: [Entry] { entries.filter { $0.kind == "token" } }
    var apiRequests: [Entry] { entries.filter { $0.kind == "api" } }
    /// The scopes of each token request, each list sorted.
    var requestedScopes: [[String]] { tokenRequests.map { ($0.scopes ?? []).sorted() } }

    /// SIGKILL: the test runner's children may inherit SIGTERM blocked.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileIO.removeTree(directory)
    }
}

@Suite("registry client: bearer tokens", .serialized)
struct RegistryBearerTests {
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Runs `body`, then shuts `clients` down whether it threw or not.
    static func using(_ clients: RegistryClient..., body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            for client in clients { await client.shutdown() }
            throw error
        }
        for client in clients { await client.shutdown() }
    }

    /// Fetches `descriptor` into a new file in `directory` and returns its bytes.
    static func fetch(_ client: RegistryClient, _ repository: String, _ descriptor: Descriptor, into directory: String) async throws -> [UInt8] {
        let path = directory + "/fetched-\(UUID().uuidString)"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        try await client.fetchBlob(repository: repository, descriptor: descriptor, to: fd)
        return try FileIO.readFile(path)
    }

    static let pullXY = ["repository:x/y:pull"]

    // MARK: 1. anonymous

    @Test func anonymousPullFetchesOneTokenAndReusesIt() async throws {
        let fake = try FakeBearerRegistry()
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host)
        try await Self.using(client) {
            let pulled = try await client.manifest(repository: "x/y", reference: "latest")
            #expect(pulled.bytes == fake.manifest)
            #expect(pulled.mediaType == MediaType.ociManifest)
            #expect(pulled.digest == Digest.sha256(of: fake.manifest))
            #expect(try await Self.fetch(client, "x/y", fake.layerDescriptor, into: fake.directory) == fake.layer)
            let again = try await client.manifest(repository: "x/y", reference: pulled.digest.string)
            #expect(again.bytes == fake.manifest)
            #expect(try await client.blobExists(repository: "x/y", digest: fake.configDescriptor.digest))
        }
        let tokens = fake.tokenRequests
        #expect(tokens.count == 1)
        #expect(tokens.first?.scopes == Self.pullXY)
        #expect(tokens.first?.service == "fake-registry")
        #expect(tokens.first?.basic == nil)
        // Anonymous first, then only ever with the token: one 401 in all.
        let api = fake.apiRequests
        #expect(api.map(\.status) == [401, 200, 200, 200, 200])
        #expect(api.first?.auth == "none")
        #expect(api.dropFirst().allSatisfy { $0.auth == "valid" })
    }

    // MARK: 2. credentials

    @Test func credentialsGoToTheTokenServerAsBasic() async throws {
        let fake = try FakeBearerRegistry(.init(username: "alice", password: "s3cret"))
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host, credentials: Credentials(username: "alice", password: "s3cret"))
        try await Self.using(client) {
            let manifest = try await client.manifest(repository: "x/y", reference: "latest")
            let blob = try await Self.fetch(client, "x/y", fake.layerDescriptor, into: fake.directory)
            #expect(manifest.bytes == fake.manifest)
            #expect(blob == fake.layer)
        }
        let tokens = fake.tokenRequests
        #expect(tokens.count == 1)
        #expect(tokens.first?.basic == "alice:s3cret")
        #expect(tokens.first?.scopes == Self.pullXY)
        #expect(tokens.first?.status == 200)
        // The registry itself never sees the password, only the token.
        #expect(fake.apiRequests.allSatisfy { $0.auth == "none" || $0.auth == "valid" })
    }

    @Test func wrongOrMissingCredentialsFailWithOneLineUnauthorized() async throws {
        let fake = try FakeBearerRegistry(.init(username: "alice", password: "s3cret"))
        defer { fake.stop() }
        let wrong = RegistryClient(registry: fake.host, credentials: Credentials(username: "alice", password: "nope"))
        let anonymous = RegistryClient(registry: fake.host)
        try await Self.using(wrong, anonymous) {
            let refused = await #expect(throws: SwrunError.self) {
                try await wrong.manifest(repository: "x/y", reference: "latest")
            }
            let message = refused?.message ?? ""
            #expect(message.hasPrefix("manifest \(fake.host)/x/y:latest: unauthorized"))
            #expect(message.contains("incorrect username or password"))
            #expect(message.hasSuffix("(HTTP 401)"))
            #expect(!message.contains("\n"))

            let blob = await #expect(throws: SwrunError.self) {
                _ = try await Self.fetch(wrong, "x/y", fake.layerDescriptor, into: fake.directory)
            }
            #expect(blob?.message.contains("unauthorized") == true)

            let noCredentials = await #expect(throws: SwrunError.self) {
                try await anonymous.manifest(repository: "x/y", reference: "latest")
            }
            #expect(noCredentials?.message.contains("unauthorized") == true)
            #expect(noCredentials?.message.contains("\n") == false)
        }
        let tokens = fake.tokenRequests
        #expect(tokens.count == 3)
        #expect(tokens.allSatisfy { $0.status == 401 })
        #expect(tokens.map(\.basic) == ["alice:nope", "alice:nope", nil])
    }

    // MARK: 3. access_token

    @Test func accessTokenFieldIsAccepted() async throws {
        let fake = try FakeBearerRegistry(.init(tokenField: "access_token"))
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host)
        try await Self.using(client) {
            let manifest = try await client.manifest(repository: "x/y", reference: "latest")
            let blob = try await Self.fetch(client, "x/y", fake.layerDescriptor, into: fake.directory)
            #expect(manifest.bytes == fake.manifest)
            #expect(blob == fake.layer)
        }
        #expect(fake.tokenRequests.count == 1)
        #expect(fake.apiRequests.map(\.status) == [401, 200, 200])
    }

    // MARK: 4. expiry

    /// The server drops tokens after 1 s but claims an hour: the client learns of the
    /// expiry from a 401 and must fetch one new token and retry.
    @Test func tokenRefusedAfterExpiryIsRenewedOnce() async throws {
        let fake = try FakeBearerRegistry(.init(expiresIn: 3600, lifetime: 1))
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host)
        try await Self.using(client) {
            #expect(try await client.manifest(repository: "x/y", reference: "latest").bytes == fake.manifest)
            #expect(fake.tokenRequests.count == 1)
            try await Task.sleep(nanoseconds: 1_300_000_000)
            #expect(try await Self.fetch(client, "x/y", fake.layerDescriptor, into: fake.directory) == fake.layer)
            #expect(fake.tokenRequests.count == 2)
            // The renewed token is cached in turn.
            #expect(try await client.blobExists(repository: "x/y", digest: fake.configDescriptor.digest))
        }
        #expect(fake.requestedScopes == [Self.pullXY, Self.pullXY])
        let api = fake.apiRequests
        #expect(api.map(\.status) == [401, 200, 401, 200, 200])
        #expect(api.map { $0.auth ?? "" } == ["none", "valid", "expired", "valid", "valid"])
    }

    /// The server says `expires_in: 1` and means it: the client must not present the
    /// stale token at all, but renew it on its own.
    @Test func tokenPastItsExpiresInIsRenewedBeforeUse() async throws {
        let fake = try FakeBearerRegistry(.init(expiresIn: 1, lifetime: 1))
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host)
        try await Self.using(client) {
            #expect(try await client.manifest(repository: "x/y", reference: "latest").bytes == fake.manifest)
            try await Task.sleep(nanoseconds: 1_300_000_000)
            #expect(try await Self.fetch(client, "x/y", fake.layerDescriptor, into: fake.directory) == fake.layer)
        }
        #expect(fake.requestedScopes == [Self.pullXY, Self.pullXY])
        let api = fake.apiRequests
        #expect(api.map(\.status) == [401, 200, 200])
        #expect(!api.contains { $0.auth == "expired" })
    }

    // MARK: 5. scopes

    @Test func eachRepositoryAndActionGetsItsOwnScope() async throws {
        let fake = try FakeBearerRegistry(.init(username: "alice", password: "s3cret"))
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host, credentials: Credentials(username: "alice", password: "s3cret"))
        let upload = Self.randomBytes(40_000)
        let uploadDigest = Digest.sha256(of: upload)
        try FileIO.writeFile(fake.directory + "/upload", bytes: upload)
        try await Self.using(client) {
            _ = try await client.manifest(repository: "x/y", reference: "latest")
            #expect(try await !client.blobExists(repository: "other/repo", digest: uploadDigest))
            try await client.uploadBlob(repository: "other/repo", digest: uploadDigest, size: Int64(upload.count), path: fake.directory + "/upload")
            #expect(try await client.blobExists(repository: "other/repo", digest: uploadDigest))
            #expect(try await client.mountBlob(repository: "other/repo", digest: fake.layerDescriptor.digest, from: "x/y"))
            #expect(try await Self.fetch(client, "other/repo", fake.layerDescriptor, into: fake.directory) == fake.layer)
            let pushed = try await client.putManifest(repository: "other/repo", reference: "v1", bytes: fake.manifest, mediaType: MediaType.ociManifest)
            #expect(pushed == Digest.sha256(of: fake.manifest))
            #expect(try await client.manifest(repository: "other/repo", reference: "v1").bytes == fake.manifest)
        }
        #expect(fake.requestedScopes == [
            ["repository:x/y:pull"],
            ["repository:other/repo:pull"],
            ["repository:other/repo:pull,push"],
            ["repository:other/repo:pull,push", "repository:x/y:pull"],
        ])
        #expect(fake.tokenRequests.allSatisfy { $0.basic == "alice:s3cret" && $0.service == "fake-registry" })
        // Only the very first request went without a token.
        #expect(fake.apiRequests.filter { $0.status == 401 }.count == 1)
    }

    /// A token server that will not grant push: the push fails as unauthorized after
    /// one renewal, without looping on the token server.
    @Test func refusedPushScopeFailsWithoutLooping() async throws {
        let fake = try FakeBearerRegistry(.init(grantPush: false))
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host)
        try await Self.using(client) {
            _ = try await client.manifest(repository: "x/y", reference: "latest")
            let refused = await #expect(throws: SwrunError.self) {
                _ = try await client.putManifest(repository: "x/y", reference: "v2", bytes: fake.manifest, mediaType: MediaType.ociManifest)
            }
            #expect(refused?.message.hasPrefix("push manifest \(fake.host)/x/y:v2: unauthorized") == true)
            #expect(refused?.message.contains("\n") == false)
        }
        #expect(fake.requestedScopes == [Self.pullXY, ["repository:x/y:pull,push"], ["repository:x/y:pull,push"]])
    }

    // MARK: 6. ping (login)

    @Test func pingWithCredentialsLogsInThroughTheTokenServer() async throws {
        let fake = try FakeBearerRegistry(.init(username: "alice", password: "s3cret"))
        defer { fake.stop() }
        let good = RegistryClient(registry: fake.host, credentials: Credentials(username: "alice", password: "s3cret"))
        let bad = RegistryClient(registry: fake.host, credentials: Credentials(username: "alice", password: "wrong"))
        try await Self.using(good, bad) {
            try await good.ping()
            let refused = await #expect(throws: SwrunError.self) { try await bad.ping() }
            #expect(refused?.message.hasPrefix("ping \(fake.host): unauthorized") == true)
            #expect(refused?.message.contains("\n") == false)
        }
        let tokens = fake.tokenRequests
        #expect(tokens.map(\.basic) == ["alice:s3cret", "alice:wrong"])
        #expect(tokens.map(\.status) == [200, 401])
        // `/v2/` needs no repository: the token request names no scope.
        #expect(tokens.allSatisfy { $0.scopes == [] && $0.service == "fake-registry" })
        let api = fake.apiRequests
        #expect(api.map(\.status) == [401, 200, 401])
        #expect(api.map { $0.auth ?? "" } == ["none", "valid", "none"])
    }

    /// Without credentials a challenge is not an error (the registry is up, it wants a
    /// login): even a token server that refuses anonymous tokens is not asked.
    @Test func pingWithoutCredentialsAgainstAPrivateTokenServer() async throws {
        let fake = try FakeBearerRegistry(.init(username: "alice", password: "s3cret"))
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host)
        try await Self.using(client) {
            try await client.ping()
        }
        #expect(fake.tokenRequests.isEmpty)
        #expect(fake.apiRequests.map(\.status) == [401])
    }

    @Test func pingWithoutCredentialsAgainstAnOpenTokenServer() async throws {
        let fake = try FakeBearerRegistry()
        defer { fake.stop() }
        let client = RegistryClient(registry: fake.host)
        try await Self.using(client) {
            try await client.ping()
        }
        #expect(fake.tokenRequests.isEmpty)
        #expect(fake.apiRequests.map(\.status) == [401])
    }
}
