import Foundation
import Glibc
import Testing

/// `swrun pull`, `push`, `login`, `logout`, `search` against a private docker-registry on
/// 127.0.0.1: round trips between empty stores, docker's progress lines, htpasswd auth
/// with a temp credentials file, the peers (podman, skopeo) on both sides of the
/// registry, and corrupt blobs refused without touching the store.
@Suite("registry: pull, push, login, search", .serialized)
struct RegistryTests {
    let swrun: Swrun
    let registry: LocalRegistry
    /// `REGISTRY_AUTH_FILE` for every swrun call: root's own credentials are never read or written.
    let authFile: String

    init() throws {
        swrun = try Swrun()
        registry = try LocalRegistry()
        authFile = swrun.scratch + "/auth.json"
    }

    // MARK: Helpers

    /// `swrun --root <store> <arguments>` with `REGISTRY_AUTH_FILE` set.
    @discardableResult
    func cli(_ store: Swrun, _ arguments: [String], stdin: Data? = nil) -> CommandResult {
        store.run(arguments, environment: ["REGISTRY_AUTH_FILE": authFile], stdin: stdin)
    }

    /// Seeds busybox into the suite's store, tags it `name` and pushes it; the push's result.
    @discardableResult
    func pushBusybox(as name: String) -> CommandResult {
        #expect(cli(swrun, ["run", "--rm", "busybox", "true"]).status == 0)
        #expect(cli(swrun, ["tag", "busybox", name]).status == 0)
        let pushed = cli(swrun, ["push", name])
        #expect(pushed.status == 0, "\(pushed)")
        return pushed
    }

    func imageID(_ store: Swrun, _ name: String) -> String {
        cli(store, ["image", "inspect", "--format", "{{.Id}}", name]).out
    }

    /// The blobs, the unpacked layers, `index.json` and `images -q` of a store.
    func storeState(_ store: Swrun) -> [String] {
        SaveLoadTests.storeSnapshot(store.root) + ["images: " + cli(store, ["images", "-q", "--no-trunc"]).out]
    }

    /// The 12-hex IDs of the output lines that end in `: <status>`.
    static func layerIDs(_ result: CommandResult, _ status: String) -> Set<String> {
        Set(result.lines.compactMap { line in
            guard line.hasSuffix(": " + status) else { return nil }
            let id = String(line.dropLast(status.count + 2))
            return id.count == 12 && id.allSatisfy(\.isHexDigit) ? id : nil
        })
    }

    static func shortIDs(_ digests: [String]) -> Set<String> {
        Set(digests.map { String($0.dropFirst("sha256:".count).prefix(12)) })
    }

    /// A failure as docker-like commands report it: exit 125 and one `swrun: …` line.
    static func expectOneLineFailure(_ result: CommandResult, mentioning text: String? = nil, _ location: SourceLocation = #_sourceLocation) {
        #expect(result.status == 125, "\(result)", sourceLocation: location)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix("swrun: ") == true, "\(result)", sourceLocation: location)
        if let text { #expect(result.err.lowercased().contains(text), "\(result)", sourceLocation: location) }
    }

    // MARK: The harness itself (no swrun registry code involved)

    @Test("harness: skopeo pushes to the registry; the proxy alters exactly the chosen blob and passes the rest")
    func harnessSelfCheck() throws {
        let skopeo = try #require(SaveLoadTests.which("skopeo"), "skopeo is not installed")
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let archive = swrun.scratch + "/bb-oci.tar"
        #expect(swrun.run(["save", "--format", "oci-archive", "-o", archive, "busybox"]).status == 0)
        let copied = Host.run(skopeo, [
            "copy", "--dest-tls-verify=false", "oci-archive:" + archive, "docker://\(registry.host)/harness:1",
        ])
        #expect(copied.status == 0)
        #expect(registry.catalog() == ["harness"])
        let manifest = try #require(registry.manifest("harness", "1"))
        let digests = try #require(registry.blobDigests("harness", "1"))
        let layer = try #require(digests.layers.first)
        #expect(registry.storedBlobs() == ([digests.config, manifest.digest] + digests.layers).sorted())

        let proxy = try CorruptingProxy(upstreamPort: registry.port) { $0 == layer }
        defer { proxy.stop() }
        func sha256(through host: String, _ path: String) -> String {
            let sum = Host.run("/bin/sh", ["-c", "curl -sf http://\(host)\(path) | sha256sum"]).stdout
            return "sha256:" + sum.prefix(64)
        }
        #expect(sha256(through: registry.host, "/v2/harness/blobs/" + layer) == layer)
        #expect(sha256(through: proxy.host, "/v2/harness/blobs/" + layer) != layer)
        #expect(sha256(through: proxy.host, "/v2/harness/blobs/" + digests.config) == digests.config)
        // The corrupt body keeps its length, so only a digest check can tell.
        let size = Host.run("/bin/sh", ["-c", "curl -sf http://\(proxy.host)/v2/harness/blobs/\(layer) | wc -c"]).stdout
        let directSize = Host.run("/bin/sh", ["-c", "curl -sf http://\(registry.host)/v2/harness/blobs/\(layer) | wc -c"]).stdout
        #expect(size == directSize && !size.isEmpty)
        // Manifests, HEAD requests and a forward-proxy (absolute-form) request pass unchanged.
        let accept = LocalRegistry.manifestTypes.map { "-H 'Accept: \($0)'" }.joined(separator: " ")
        let viaProxy = Host.run("/bin/sh", ["-c", "curl -sf \(accept) http://\(proxy.host)/v2/harness/manifests/1 | sha256sum"])
        #expect("sha256:" + viaProxy.stdout.prefix(64) == manifest.digest)
        let head = Host.run("/usr/bin/curl", ["-sfI", "http://\(proxy.host)/v2/harness/blobs/\(layer)"]).stdout
        #expect(head.lowercased().contains("docker-content-digest: \(layer)"), "\(head)")
        func sha256(forwardingTo path: String) -> String {
            let sum = Host.run("/bin/sh", ["-c", "curl -sf -x http://\(proxy.host) http://\(registry.host)\(path) | sha256sum"])
            return "sha256:" + sum.stdout.prefix(64)
        }
        #expect(sha256(forwardingTo: "/v2/harness/blobs/" + digests.config) == digests.config)
        #expect(sha256(forwardingTo: "/v2/harness/blobs/" + layer) != layer)
        // Three GETs of the layer (sha256, size, forward), each altered; HEAD never.
        #expect(proxy.corrupted == [layer, layer, layer])
        // A verifying client (skopeo) pulls through the proxy only the blobs it does not alter.
        let direct = Host.run(skopeo, [
            "copy", "--src-tls-verify=false", "docker://\(registry.host)/harness:1", "oci:\(swrun.scratch)/direct:1",
        ])
        #expect(direct.status == 0)
        let proxied = Host.run(skopeo, [
            "copy", "--src-tls-verify=false", "docker://\(proxy.host)/harness:1", "oci:\(swrun.scratch)/proxied:1",
        ])
        #expect(proxied.status != 0)
        #expect(proxy.corrupted == [layer, layer, layer, layer])

        let secured = try LocalRegistry(credentials: ("user", "pass"))
        #expect(secured.request("/v2/", authenticated: false).status == 401)
        #expect(secured.request("/v2/").status == 200)
        #expect(secured.catalog() == [])
    }

    // MARK: Push, catalog, search

    @Test("push to a plain registry: a Pushed line per layer, then TAG: digest: … size: …; the catalog lists it")
    func pushPlain() throws {
        let name = registry.host + "/bb:1"
        let pushed = pushBusybox(as: name)
        let manifest = try #require(registry.manifest("bb", "1"), "\(pushed)")
        let digests = try #require(registry.blobDigests("bb", "1"))
        #expect(pushed.lines.last == "1: digest: \(manifest.digest) size: \(manifest.body.count)", "\(pushed)")
        #expect(Self.layerIDs(pushed, "Pushed").count == digests.layers.count, "\(pushed)")
        #expect(Self.layerIDs(pushed, "Layer already exists").isEmpty, "\(pushed)")
        #expect(registry.catalog() == ["bb"])
        #expect(registry.tags("bb") == ["1"])
        // The image ID is the config's digest, in the registry as in the store.
        #expect(imageID(swrun, name) == digests.config)
        #expect(registry.storedBlobs() == ([digests.config] + digests.layers + [manifest.digest]).sorted())

        let again = cli(swrun, ["push", name])
        #expect(again.status == 0, "\(again)")
        #expect(Self.layerIDs(again, "Layer already exists").count == digests.layers.count, "\(again)")
        #expect(Self.layerIDs(again, "Pushed").isEmpty, "\(again)")
        #expect(again.lines.last == pushed.lines.last)

        let quiet = cli(swrun, ["push", "-q", name])
        #expect(quiet.status == 0, "\(quiet)")
        #expect(quiet.lines == [name], "\(quiet)")
    }

    @Test("search lists the catalog's repositories matching the term, as HOST/REPO in a NAME column")
    func search() throws {
        pushBusybox(as: registry.host + "/bb:1")
        pushBusybox(as: registry.host + "/tools/bb-two:1")
        pushBusybox(as: registry.host + "/other:1")
        #expect(registry.catalog() == ["bb", "other", "tools/bb-two"])

        let found = cli(swrun, ["search", registry.host + "/bb"])
        #expect(found.status == 0, "\(found)")
        #expect(found.lines.first?.hasPrefix("NAME") == true, "\(found)")
        let names = Set(found.lines.dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) })
        #expect(names == [registry.host + "/bb", registry.host + "/tools/bb-two"], "\(found)")

        let limited = cli(swrun, ["search", "--limit", "1", registry.host + "/bb"])
        #expect(limited.status == 0, "\(limited)")
        #expect(limited.lines.count == 2, "\(limited)")
    }

    // MARK: Pull

    @Test("pull into an empty store: Pull complete per layer, Digest, Status, the reference; the image runs")
    func pullIntoEmptyStore() throws {
        let name = registry.host + "/bb:1"
        pushBusybox(as: name)
        let digests = try #require(registry.blobDigests("bb", "1"))
        let manifest = try #require(registry.manifest("bb", "1"))

        let fresh = try Swrun()
        let pulled = cli(fresh, ["pull", name])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(Self.layerIDs(pulled, "Pull complete") == Self.shortIDs(digests.layers), "\(pulled)")
        #expect(pulled.lines.contains("Digest: " + manifest.digest), "\(pulled)")
        #expect(pulled.lines.contains("Status: Downloaded newer image for " + name), "\(pulled)")
        #expect(pulled.lines.last == name, "\(pulled)")
        #expect(imageID(fresh, name) == imageID(swrun, name))
        #expect(fresh.run(["images", "-q", "--no-trunc"]).lines == [digests.config])

        let ran = cli(fresh, ["run", "--rm", name, "cat", "/etc/passwd"])
        #expect(ran.status == 0 && ran.out.hasPrefix("root:"), "\(ran)")

        let again = cli(fresh, ["pull", name])
        #expect(again.status == 0, "\(again)")
        #expect(again.lines.contains("Status: Image is up to date for " + name), "\(again)")
        #expect(Self.layerIDs(again, "Pull complete").isEmpty, "\(again)")
        #expect(again.lines.last == name, "\(again)")

        let quiet = cli(try Swrun(), ["pull", "-q", name])
        #expect(quiet.status == 0 && quiet.lines == [name], "\(quiet)")
    }

    @Test("on a terminal, pull redraws one live line per layer with bytes and rate")
    func pullProgressOnATerminal() throws {
        let name = registry.host + "/bb:tty"
        pushBusybox(as: name)
        let layer = try #require(registry.blobDigests("bb", "tty")?.layers.first)
        let fresh = try Swrun()
        // script(1) gives the pull a pseudo-terminal as its stdout.
        let command = "REGISTRY_AUTH_FILE=\(authFile) \(Swrun.binary) --root \(fresh.root) pull \(name)"
        let shown = Host.run("/usr/bin/script", ["-qfc", command, "/dev/null"])
        #expect(shown.status == 0, "\(shown)")
        let short = String(layer.dropFirst("sha256:".count).prefix(12))
        #expect(shown.stdout.contains("\u{1b}[1A\r\u{1b}[2K\(short): "), "cursor-up redraws: \(shown.stdout.debugDescription)")
        #expect(shown.stdout.contains("\(short): Downloading "), "\(shown.stdout.debugDescription)")
        #expect(shown.stdout.contains("\(short): Pull complete"))
        #expect(imageID(fresh, name) == imageID(swrun, name))
    }

    @Test("pull by digest and with --platform linux/amd64")
    func pullByDigest() throws {
        pushBusybox(as: registry.host + "/bb:1")
        let manifest = try #require(registry.manifest("bb", "1"))
        let byDigest = registry.host + "/bb@" + manifest.digest

        let fresh = try Swrun()
        let pulled = cli(fresh, ["pull", byDigest])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.lines.contains("Digest: " + manifest.digest), "\(pulled)")
        #expect(pulled.lines.last == byDigest, "\(pulled)")
        #expect(imageID(fresh, byDigest) == imageID(swrun, "busybox"))
        let ran = cli(fresh, ["run", "--rm", byDigest, "echo", "by-digest"])
        #expect(ran.status == 0 && ran.out == "by-digest", "\(ran)")

        let platform = cli(try Swrun(), ["pull", "--platform", "linux/amd64", registry.host + "/bb:1"])
        #expect(platform.status == 0 && platform.lines.last == registry.host + "/bb:1", "\(platform)")
    }

    @Test("a multi-platform index: pull takes the host's platform, --platform another, an absent one fails listing what there is")
    func pullFromAnIndex() throws {
        pushBusybox(as: registry.host + "/multi:amd")
        let made = cli(swrun, ["run", "--name", "armish", "busybox", "sh", "-c", "echo arm > /platform"])
        #expect(made.status == 0, "\(made)")
        #expect(cli(swrun, ["commit", "armish", registry.host + "/multi:arm"]).status == 0)
        #expect(cli(swrun, ["push", registry.host + "/multi:arm"]).status == 0)
        let amd = try #require(registry.manifest("multi", "amd"))
        let arm = try #require(registry.manifest("multi", "arm"))
        let index = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\
            {"mediaType":"\(amd.mediaType)","digest":"\(amd.digest)","size":\(amd.body.count),"platform":{"architecture":"amd64","os":"linux"}},\
            {"mediaType":"\(arm.mediaType)","digest":"\(arm.digest)","size":\(arm.body.count),"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}
            """
        let indexFile = swrun.scratch + "/index.json"
        try index.write(toFile: indexFile, atomically: true, encoding: .utf8)
        let put = Host.run("/usr/bin/curl", [
            "-sf", "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.index.v1+json",
            "--data-binary", "@" + indexFile, "http://\(registry.host)/v2/multi/manifests/both",
        ])
        #expect(put.status == 0, "\(put)")
        let name = registry.host + "/multi:both"

        let host = try Swrun()
        let pulled = cli(host, ["pull", name])
        #expect(pulled.status == 0, "\(pulled)")
        // docker prints the digest of what the name points at: the index.
        let indexDigest = try #require(registry.manifest("multi", "both")).digest
        #expect(pulled.lines.contains("Digest: " + indexDigest), "\(pulled)")
        #expect(imageID(host, name) == imageID(swrun, registry.host + "/multi:amd"))

        let other = try Swrun()
        let armPulled = cli(other, ["pull", "--platform", "linux/arm64", name])
        #expect(armPulled.status == 0, "\(armPulled)")
        #expect(imageID(other, name) == imageID(swrun, registry.host + "/multi:arm"))

        let before = storeState(other)
        let absent = cli(other, ["pull", "--platform", "linux/s390x", name])
        Self.expectOneLineFailure(absent, mentioning: "linux/arm64")
        #expect(storeState(other) == before)
    }

    @Test("pull -a fetches every tag of the repository")
    func pullAllTags() throws {
        pushBusybox(as: registry.host + "/multi:1")
        pushBusybox(as: registry.host + "/multi:2")
        let fresh = try Swrun()
        let pulled = cli(fresh, ["pull", "-a", registry.host + "/multi"])
        #expect(pulled.status == 0, "\(pulled)")
        let id = imageID(swrun, "busybox")
        #expect(imageID(fresh, registry.host + "/multi:1") == id)
        #expect(imageID(fresh, registry.host + "/multi:2") == id)
    }

    @Test("a committed image pushed and pulled elsewhere keeps its added file; the shared base layer Already exists")
    func commitRoundTrip() throws {
        pushBusybox(as: registry.host + "/bb:1")
        #expect(cli(swrun, ["run", "--name", "c1", "busybox", "sh", "-c", "echo from-commit > /added.txt"]).status == 0)
        let committed = registry.host + "/committed:1"
        #expect(cli(swrun, ["commit", "c1", committed]).status == 0)
        let pushed = cli(swrun, ["push", committed])
        #expect(pushed.status == 0, "\(pushed)")
        let digests = try #require(registry.blobDigests("committed", "1"))
        let base = try #require(registry.blobDigests("bb", "1"))
        #expect(digests.layers.count == base.layers.count + 1)
        // The base layer is in the registry already, under another repository: docker
        // reports it "Mounted from bb" when it mounts it, else it pushes it again.
        let reported = ["Pushed", "Layer already exists", "Mounted from bb"].map { Self.layerIDs(pushed, $0).count }
        #expect(reported.reduce(0, +) == digests.layers.count, "\(pushed)")
        #expect(reported[0] >= 1, "\(pushed)")

        let fresh = try Swrun()
        #expect(cli(fresh, ["pull", registry.host + "/bb:1"]).status == 0)
        let pulled = cli(fresh, ["pull", committed])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(Self.layerIDs(pulled, "Already exists") == Self.shortIDs(Array(digests.layers.dropLast())), "\(pulled)")
        #expect(Self.layerIDs(pulled, "Pull complete") == Self.shortIDs(Array(digests.layers.suffix(1))), "\(pulled)")
        #expect(imageID(fresh, committed) == imageID(swrun, committed))
        let ran = cli(fresh, ["run", "--rm", committed, "cat", "/added.txt"])
        #expect(ran.status == 0 && ran.out == "from-commit", "\(ran)")
    }

    @Test("a second repository mounts the layer; chunked upload; --format v2s2 writes a docker manifest that pulls and runs")
    func mountChunkedAndDockerFormat() throws {
        pushBusybox(as: registry.host + "/first:1")
        #expect(cli(swrun, ["tag", "busybox", registry.host + "/second:1"]).status == 0)
        let mounted = cli(swrun, ["push", registry.host + "/second:1"])
        #expect(mounted.status == 0, "\(mounted)")
        #expect(mounted.lines.contains { $0.hasSuffix(": Mounted from first") }, "\(mounted)")

        // The new layer goes up in 1 MiB PATCHes; the base layer, pushed before, mounts.
        let made = cli(swrun, ["run", "--name", "chunky", "busybox", "sh", "-c", "head -c 3000000 /dev/urandom > /random"])
        #expect(made.status == 0, "\(made)")
        #expect(cli(swrun, ["commit", "chunky", "test/chunky:1"]).status == 0)
        let chunked = cli(swrun, ["push", "--chunk-size", "1", "--format", "v2s2", "test/chunky:1", registry.host + "/third:1"])
        #expect(chunked.status == 0, "\(chunked)")
        #expect(chunked.lines.filter { $0.hasSuffix(": Pushed") }.count == 1, "\(chunked)")
        #expect(chunked.lines.filter { $0.hasSuffix(": Mounted from second") }.count == 1, "\(chunked)")
        let manifest = try #require(registry.manifest("third", "1"))
        #expect(manifest.mediaType == "application/vnd.docker.distribution.manifest.v2+json")
        let body = String(decoding: manifest.body, as: UTF8.self)
        #expect(body.contains("application/vnd.docker.image.rootfs.diff.tar.gzip"), "\(body)")
        #expect(!body.contains("application/vnd.oci."), "\(body)")

        let fresh = try Swrun()
        let pulled = cli(fresh, ["pull", registry.host + "/third:1"])
        #expect(pulled.status == 0, "\(pulled)")
        let ran = cli(fresh, ["run", "--rm", registry.host + "/third:1", "sh", "-c", "wc -c < /random"])
        #expect(ran.status == 0 && ran.out == "3000000", "\(ran)")
        #expect(imageID(fresh, registry.host + "/third:1") == imageID(swrun, "test/chunky:1"))
        // Where blobs went is remembered: the same image to another repository mounts
        // both layers from the one it was pushed to, and so does a store that pulled it.
        let again = cli(swrun, ["push", "test/chunky:1", registry.host + "/fifth:1"])
        #expect(again.status == 0, "\(again)")
        #expect(again.lines.filter { $0.hasSuffix(": Mounted from third") }.count == 2, "\(again)")
        let fromPull = cli(fresh, ["push", registry.host + "/third:1", registry.host + "/sixth:1"])
        #expect(fromPull.status == 0, "\(fromPull)")
        #expect(fromPull.lines.filter { $0.hasSuffix(": Mounted from third") }.count == 2, "\(fromPull)")
        #expect(registry.manifest("sixth", "1") != nil)

        let bad = cli(swrun, ["push", "--format", "v1", "busybox", registry.host + "/fourth:1"])
        Self.expectOneLineFailure(bad, mentioning: "manifest format")
    }

    @Test("run of an image missing from the store pulls it first")
    func runPullsMissingImage() throws {
        let name = registry.host + "/bb:run"
        pushBusybox(as: name)
        let fresh = try Swrun()
        let ran = cli(fresh, ["run", "--rm", name, "echo", "pulled-by-run"])
        #expect(ran.status == 0, "\(ran)")
        #expect(ran.lines.last == "pulled-by-run", "\(ran)")
        #expect(imageID(fresh, name) == imageID(swrun, name))
    }

    @Test("pulling a tag or repository the registry lacks fails in one line and leaves the store as it was")
    func pullMissing() throws {
        pushBusybox(as: registry.host + "/bb:1")
        let fresh = try Swrun()
        #expect(cli(fresh, ["run", "--rm", "busybox", "true"]).status == 0)
        let before = storeState(fresh)
        for name in [registry.host + "/bb:absent", registry.host + "/absent:1"] {
            let pulled = cli(fresh, ["pull", name])
            Self.expectOneLineFailure(pulled)
            #expect(storeState(fresh) == before)
        }
    }

    @Test("registry-mirrors in --config serve docker.io names")
    func mirror() throws {
        pushBusybox(as: registry.host + "/library/mirrored:1")
        let config = swrun.scratch + "/swrun-config.json"
        try #"{"registry-mirrors": ["http://\#(registry.host)"], "insecure-registries": ["\#(registry.host)"]}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let fresh = try Swrun()
        let pulled = cli(fresh, ["--config", config, "pull", "mirrored:1"])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.lines.last == "docker.io/library/mirrored:1", "\(pulled)")
        #expect(imageID(fresh, "mirrored:1") == imageID(swrun, "busybox"))
    }

    // MARK: Auth

    @Test("htpasswd registry: push without login and a wrong password are unauthorized; login writes a 0600 file; logout removes it")
    func htpasswdLogin() throws {
        let secured = try LocalRegistry(credentials: ("swrun-user", "s3cret-Pass"))
        let homeFiles = ["/root/.docker/config.json", "/run/containers/0/auth.json", "/root/.config/containers/auth.json"]
        let homeBefore = homeFiles.map(Host.snapshotOfFile)
        let name = secured.host + "/private:1"
        #expect(cli(swrun, ["run", "--rm", "busybox", "true"]).status == 0)
        #expect(cli(swrun, ["tag", "busybox", name]).status == 0)

        Self.expectOneLineFailure(cli(swrun, ["push", name]), mentioning: "unauthorized")
        #expect(secured.storedBlobs().isEmpty)

        // Through stdin: with -p, docker-like logins also print a warning on stderr.
        let wrong = cli(swrun, ["login", "-u", "swrun-user", "--password-stdin", secured.host], stdin: Data("wrong\n".utf8))
        Self.expectOneLineFailure(wrong, mentioning: "unauthorized")
        #expect(!Host.exists(authFile) || !(Host.read(authFile) ?? "").contains(secured.host))

        let login = cli(swrun, ["login", "-u", "swrun-user", "--password-stdin", secured.host], stdin: Data("s3cret-Pass\n".utf8))
        #expect(login.status == 0, "\(login)")
        #expect(login.lines.last == "Login Succeeded", "\(login)")
        var info = stat()
        #expect(stat(authFile, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600, "mode \(String(info.st_mode & 0o777, radix: 8))")
        let saved = Host.read(authFile) ?? ""
        #expect(saved.contains(secured.host), "\(saved)")
        #expect(!saved.contains("s3cret-Pass"), "the password is stored in plain text: \(saved)")

        let pushed = cli(swrun, ["push", name])
        #expect(pushed.status == 0, "\(pushed)")
        #expect(secured.catalog() == ["private"])
        let fresh = try Swrun()
        let pulled = cli(fresh, ["pull", name])
        #expect(pulled.status == 0, "\(pulled)")
        let ran = cli(fresh, ["run", "--rm", name, "echo", "authenticated"])
        #expect(ran.status == 0 && ran.out == "authenticated", "\(ran)")

        let logout = cli(swrun, ["logout", secured.host])
        #expect(logout.status == 0, "\(logout)")
        #expect(!(Host.read(authFile) ?? "").contains(secured.host))
        Self.expectOneLineFailure(cli(try Swrun(), ["pull", name]), mentioning: "unauthorized")

        let right = cli(swrun, ["login", "-u", "swrun-user", "-p", "s3cret-Pass", secured.host])
        #expect(right.status == 0 && right.lines.last == "Login Succeeded", "\(right)")
        #expect(homeFiles.map(Host.snapshotOfFile) == homeBefore, "root's own credentials were touched")
    }

    // MARK: Peers

    /// A CA and a certificate for 127.0.0.1 signed by it, made with openssl in `directory`.
    static func makeCertificates(in directory: String) throws -> (certificate: String, key: String, authority: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(directory)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=swrun-test-ca
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1
            printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext
            """
        let made = Host.run("/bin/sh", ["-c", script])
        guard made.status == 0 else { throw HarnessError("openssl failed: \(made)") }
        return (directory + "/server.crt", directory + "/server.key", directory + "/ca.crt")
    }

    @Test("HTTPS: a registry whose CA is in certs.d beside --config is trusted; without it the pull fails in one line")
    func httpsWithCertsDirectory() throws {
        let certificates = try Self.makeCertificates(in: swrun.scratch + "/tls")
        let secure = try LocalRegistry(tls: certificates)
        defer { secure.stop() }
        let configDirectory = swrun.scratch + "/swrun-config"
        try FileManager.default.createDirectory(atPath: configDirectory + "/certs.d/" + secure.host, withIntermediateDirectories: true)
        #expect(Host.run("/bin/cp", [certificates.authority, configDirectory + "/certs.d/" + secure.host + "/ca.crt"]).status == 0)
        let config = ["--config", configDirectory + "/config.json"]

        #expect(cli(swrun, ["run", "--rm", "busybox", "true"]).status == 0)
        let pushed = cli(swrun, config + ["push", "busybox", secure.host + "/tls:1"])
        #expect(pushed.status == 0, "\(pushed)")
        #expect(secure.catalog() == ["tls"])
        let fresh = try Swrun()
        let pulled = cli(fresh, config + ["pull", secure.host + "/tls:1"])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(imageID(fresh, secure.host + "/tls:1") == imageID(swrun, "busybox"))

        // Its own certificate is not a CA: the handshake fails and nothing is stored.
        let wrongDirectory = swrun.scratch + "/wrong-config"
        try FileManager.default.createDirectory(atPath: wrongDirectory + "/certs.d/" + secure.host, withIntermediateDirectories: true)
        #expect(Host.run("/bin/cp", [certificates.certificate, wrongDirectory + "/certs.d/" + secure.host + "/server.crt"]).status == 0)
        let other = try Swrun()
        #expect(cli(other, ["images"]).status == 0)
        let before = storeState(other)
        let refused = cli(other, ["--config", wrongDirectory + "/config.json", "pull", secure.host + "/tls:1"])
        Self.expectOneLineFailure(refused, mentioning: "certificate is not trusted")
        #expect(storeState(other) == before)
    }

    @Test("podman pulls and runs an image swrun pushed")
    func podmanPullsSwrunPush() throws {
        let podman = try #require(try SaveLoadTests.Podman(scratch: swrun.scratch), "podman is not installed")
        defer { podman.cleanUp() }
        let name = registry.host + "/bb:1"
        pushBusybox(as: name)
        let expected = cli(swrun, ["run", "--rm", name, "cat", "/etc/passwd"])
        #expect(expected.status == 0)
        #expect(podman.run(["pull", "--tls-verify=false", name]).status == 0)
        let ran = podman.run(["run", "--rm", name, "cat", "/etc/passwd"])
        #expect(ran.status == 0)
        #expect(ran.stdout.trimmingCharacters(in: .newlines) == expected.out)
    }

    @Test("swrun pulls and runs images skopeo (OCI and Docker manifests) and podman pushed",
          arguments: ["skopeo-oci", "skopeo-v2s2", "podman"])
    func swrunPullsPeerPush(peer: String) throws {
        let name = registry.host + "/" + peer + ":1"
        if peer == "podman" {
            let podman = try #require(try SaveLoadTests.Podman(scratch: swrun.scratch), "podman is not installed")
            defer { podman.cleanUp() }
            #expect(podman.run(["import", Swrun.fixtures + "/busybox.tar", "localhost/bb:1"]).status == 0)
            #expect(podman.run(["push", "--tls-verify=false", "localhost/bb:1", name]).status == 0)
        } else {
            let skopeo = try #require(SaveLoadTests.which("skopeo"), "skopeo is not installed")
            #expect(cli(swrun, ["run", "--rm", "busybox", "true"]).status == 0)
            let archive = swrun.scratch + "/bb-oci.tar"
            #expect(cli(swrun, ["save", "--format", "oci-archive", "-o", archive, "busybox"]).status == 0)
            let format = peer == "skopeo-oci" ? "oci" : "v2s2"
            let copied = Host.run(skopeo, [
                "copy", "--dest-tls-verify=false", "--format", format, "oci-archive:" + archive, "docker://" + name,
            ])
            #expect(copied.status == 0, "skopeo copy: \(copied.stdout)")
        }
        let digests = try #require(registry.blobDigests(peer, "1"), "nothing was pushed to \(name)")
        let fresh = try Swrun()
        let pulled = cli(fresh, ["pull", name])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.lines.contains("Status: Downloaded newer image for " + name), "\(pulled)")
        #expect(imageID(fresh, name) == digests.config)
        let ran = cli(fresh, ["run", "--rm", name, "echo", "from-" + peer])
        #expect(ran.status == 0 && ran.out == "from-" + peer, "\(ran)")
    }

    // MARK: Corrupt blobs

    @Test("a blob corrupted in transit fails the pull with a digest error and leaves the store exactly as it was",
          arguments: ["config", "layer"])
    func corruptBlob(kind: String) throws {
        // Published with skopeo, so this test exercises swrun's pull alone.
        let skopeo = try #require(SaveLoadTests.which("skopeo"), "skopeo is not installed")
        #expect(cli(swrun, ["run", "--name", "c1", "busybox", "sh", "-c", "echo corrupt-me > /added.txt"]).status == 0)
        #expect(cli(swrun, ["commit", "c1", "corrupt:1"]).status == 0)
        let archive = swrun.scratch + "/corrupt.tar"
        #expect(cli(swrun, ["save", "--format", "oci-archive", "-o", archive, "corrupt:1"]).status == 0)
        let committed = registry.host + "/corrupt:1"
        let copied = Host.run(skopeo, ["copy", "--dest-tls-verify=false", "oci-archive:" + archive, "docker://" + committed])
        #expect(copied.status == 0, "skopeo copy: \(copied.stdout)")
        let digests = try #require(registry.blobDigests("corrupt", "1"))
        let target = try #require(kind == "config" ? digests.config : digests.layers.last)
        let proxy = try CorruptingProxy(upstreamPort: registry.port) { $0 == target }
        defer { proxy.stop() }

        // The pulling store has busybox, so only the committed layer (and the config) travel.
        let fresh = try Swrun()
        #expect(cli(fresh, ["run", "--rm", "busybox", "true"]).status == 0)
        let before = storeState(fresh)
        let pulled = cli(fresh, ["pull", proxy.host + "/corrupt:1"])
        Self.expectOneLineFailure(pulled, mentioning: "digest")
        #expect(proxy.corrupted.contains(target), "the proxy altered nothing; requests: \(proxy.requests)")
        #expect(Set(proxy.corrupted) == [target])
        #expect(storeState(fresh) == before)

        // The same pull straight from the registry works: only the proxy's byte was wrong.
        let direct = cli(fresh, ["pull", committed])
        #expect(direct.status == 0, "\(direct)")
    }
}

extension Host {
    /// A file's size and mtime, or "absent": equal values mean it was not rewritten.
    static func snapshotOfFile(_ path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else { return path + " absent" }
        return "\(path) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }
}
