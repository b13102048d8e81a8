import Foundation
import Testing
import SwrunDigest
@testable import SwrunOCI
import SwrunOS

@Suite("ImageConfig")
struct ImageConfigTests {
    typealias Config = ImageConfigFile.Config

    struct ChangeCase: Sendable, CustomTestStringConvertible {
        let changes: [String]
        let expected: Config
        var start = Config()
        var testDescription: String { changes.joined(separator: " | ") }
    }

    static let changeCases: [ChangeCase] = [
        ChangeCase(changes: [#"CMD ["/bin/echo", "hi"]"#], expected: Config(cmd: ["/bin/echo", "hi"])),
        ChangeCase(changes: ["CMD echo $HOME \"x\""], expected: Config(cmd: ["/bin/sh", "-c", "echo $HOME \"x\""])),
        ChangeCase(changes: ["cmd [not json"], expected: Config(cmd: ["/bin/sh", "-c", "[not json"])),
        ChangeCase(changes: [#"ENTRYPOINT ["/init"]"#], expected: Config(entrypoint: ["/init"]),
                   start: Config(cmd: ["old"])),
        ChangeCase(changes: [#"CMD ["a"]"#, "ENTRYPOINT top -b"],
                   expected: Config(entrypoint: ["/bin/sh", "-c", "top -b"], cmd: ["a"])),
        ChangeCase(changes: [#"ENV A=1 B="two words" C='$A' D=$A"#],
                   expected: Config(env: ["A=1", "B=two words", "C=$A", "D="])),
        ChangeCase(changes: ["ENV A=1", "ENV PATH=/opt/bin:$PATH B=${A}x"],
                   expected: Config(env: ["PATH=/opt/bin:/bin", "A=1", "B=1x"]), start: Config(env: ["PATH=/bin"])),
        ChangeCase(changes: ["ENV GREETING hello  big world"], expected: Config(env: ["GREETING=hello  big world"])),
        ChangeCase(changes: ["WORKDIR /srv", "WORKDIR app/../data"], expected: Config(workingDir: "/srv/data")),
        ChangeCase(changes: ["USER 1000:1000"], expected: Config(user: "1000:1000")),
        ChangeCase(changes: [#"LABEL a=b "c d"="e f" g=h\ i"#],
                   expected: Config(labels: ["a": "b", "c d": "e f", "g": "h i"])),
        ChangeCase(changes: ["LABEL legacy some value"], expected: Config(labels: ["legacy": "some value"])),
        ChangeCase(changes: ["EXPOSE 80 443/udp 8000-8001/TCP"],
                   expected: Config(exposedPorts: ["443/udp", "80/tcp", "8000/tcp", "8001/tcp"])),
        ChangeCase(changes: [#"VOLUME ["/a", "/b"]"#, "VOLUME /c /a"], expected: Config(volumes: ["/a", "/b", "/c"])),
        ChangeCase(changes: ["STOPSIGNAL SIGKILL"], expected: Config(stopSignal: "SIGKILL")),
        ChangeCase(changes: ["ONBUILD RUN echo hi", "onbuild ADD . /app"],
                   expected: Config(onBuild: ["RUN echo hi", "ADD . /app"])),
    ]

    @Test("applies --change lines", arguments: changeCases)
    func appliesChanges(_ c: ChangeCase) throws {
        #expect(try c.start.applying(changes: c.changes) == c.expected)
    }

    @Test("rejects bad --change lines", arguments: [
        ("FROBNICATE x", "unknown instruction: FROBNICATE"),
        ("RUN echo", "RUN is not a valid change command"),
        ("CMD", "CMD requires at least one argument"),
        ("ENV ONLYKEY", "ENV must have two arguments"),
        ("ENV a=1 b", #"Syntax error - can't find = in "b". Must be of the form: name=value"#),
        ("EXPOSE 80/xyz", "invalid proto: xyz"),
        ("EXPOSE http", "invalid containerPort: http"),
        ("ONBUILD ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger"),
        (#"ENV A="open"#, #"unterminated quote in: A="open"#),
    ])
    func rejectsChanges(_ change: String, message: String) {
        #expect(throws: SwrunError(.invalidArgument, message)) {
            try Config().applying(changes: [change])
        }
    }

    @Test("encodes with docker's key names and decodes back")
    func jsonKeys() throws {
        let diffID = Digest.sha256(of: [1])
        let config = ImageConfigFile(
            created: "2024-05-01T12:00:00.5Z", author: "me", architecture: "amd64", os: "linux",
            config: Config(
                user: "u", exposedPorts: ["80/tcp"], env: ["A=b"], entrypoint: ["/e"], cmd: ["c"], volumes: ["/v"],
                workingDir: "/w", labels: ["l": "v"], stopSignal: "SIGTERM", onBuild: ["RUN x"]),
            rootfs: .init(diffIDs: [diffID]),
            history: [.init(created: "2024-05-01T12:00:00Z", createdBy: "by", author: "a", comment: "c", emptyLayer: true)])
        let bytes = try OCIJSON.encode(config)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(Set(object.keys) == ["created", "author", "architecture", "os", "config", "rootfs", "history"])
        let inner = try #require(object["config"] as? [String: Any])
        #expect(Set(inner.keys) == [
            "User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal", "OnBuild",
        ])
        let ports = try #require(inner["ExposedPorts"] as? [String: Any])
        #expect((ports["80/tcp"] as? [String: Any])?.isEmpty == true)
        let rootfs = try #require(object["rootfs"] as? [String: Any])
        #expect(rootfs["type"] as? String == "layers")
        #expect(rootfs["diff_ids"] as? [String] == [diffID.string])
        let history = try #require((object["history"] as? [[String: Any]])?.first)
        #expect(Set(history.keys) == ["created", "created_by", "author", "comment", "empty_layer"])
        #expect(try OCIJSON.decode(ImageConfigFile.self, from: bytes, what: "config") == config)
    }

    @Test("blob JSON is deterministic: sorted keys, slashes unescaped")
    func deterministic() throws {
        let config = Config(env: ["PATH=/usr/bin"], labels: ["z": "1", "a": "2"])
        let text = String(decoding: try OCIJSON.encode(config), as: UTF8.self)
        #expect(text == #"{"Env":["PATH=/usr/bin"],"Labels":{"a":"2","z":"1"}}"#)
    }

    @Test("decodes docker's config, ignoring unknown fields and nulls")
    func decodesDocker() throws {
        let json = #"""
        {"architecture":"amd64","os":"linux","created":"2023-01-01T00:00:00.123456789Z","unknown":{"x":[1,2]},
         "config":{"Hostname":"","Env":["PATH=/bin"],"Cmd":null,"Volumes":{"/data":{}},"ExposedPorts":{"53/udp":{}},
                   "Healthcheck":{"Test":["NONE"]},"ArgsEscaped":true},
         "rootfs":{"type":"layers","diff_ids":["sha256:\#(String(repeating: "0", count: 64))"]},
         "history":[{"created_by":"x","empty_layer":true,"extra":1}]}
        """#
        let config = try OCIJSON.decode(ImageConfigFile.self, from: Array(json.utf8), what: "config")
        #expect(config.config?.env == ["PATH=/bin"])
        #expect(config.config?.cmd == nil)
        #expect(config.config?.volumes == ["/data"])
        #expect(config.config?.exposedPorts == ["53/udp"])
        #expect(config.config?.argsEscaped == true)
        #expect(config.history?.first?.emptyLayer == true)
        #expect(throws: SwrunError.self) {
            try OCIJSON.decode(ImageConfigFile.self, from: Array("{\"os\":1}".utf8), what: "config")
        }
    }

    @Test("timestamps are RFC 3339 with trimmed nanoseconds")
    func timestamps() {
        #expect(Timestamp.format(seconds: 0, nanoseconds: 0) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.format(seconds: 1_700_000_000, nanoseconds: 120_000_000) == "2023-11-14T22:13:20.12Z")
        #expect(Timestamp.format(seconds: 1_700_000_000, nanoseconds: 1) == "2023-11-14T22:13:20.000000001Z")
        #expect(Timestamp.now().hasSuffix("Z"))
    }
}
