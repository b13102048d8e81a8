import Foundation
import Testing
@testable import GoTemplate

@Suite("TemplateValue data")
struct GoTemplateValueTests {
    struct StateInfo: Encodable {
        var Status = "running"
        var Running = true
        var Pid: Int32 = 42
        var StartedAt = Date(timeIntervalSince1970: 1_700_000_000.5)
    }

    enum Kind: String, Encodable { case layers }

    struct RootFSInfo: Encodable {
        var `Type` = Kind.layers
        var Layers = ["sha256:a", "sha256:b"]
    }

    struct ConfigInfo: Encodable {
        var Image = "nginx"
        var Labels: [String: String] = ["b": "2", "a": "<1>"]
        var Volumes: [String: [String: String]]?
        var Cmd: [String]? = ["sh", "-c"]

        enum CodingKeys: String, CodingKey { case Image, Labels, Volumes, Cmd }

        // Writes nil optionals out, as Go always has the field.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Image, forKey: .Image)
            try container.encode(Labels, forKey: .Labels)
            try container.encode(Volumes, forKey: .Volumes)
            try container.encode(Cmd, forKey: .Cmd)
        }
    }

    struct Inspect: Encodable {
        var Id = "abc"
        var Size: UInt64 = 18_446_744_073_709_551_615
        var Ratio: Float = 0.1
        var State = StateInfo()
        var Config = ConfigInfo()
        var RootFS = RootFSInfo()
        var Data = Foundation.Data([1, 2, 3])
    }

    @Test("Encodable values keep declaration order; dictionaries become maps")
    func encodable() throws {
        let value = try TemplateValue.from(Inspect(), mapKeys: ["Volumes"])
        #expect(try GoTemplate("{{json .}}").render(value) == #"{"Id":"abc","Size":18446744073709552000,"Ratio":0.1,"#
            + #""State":{"Status":"running","Running":true,"Pid":42,"StartedAt":"2023-11-14T22:13:20.5Z"},"#
            + #""Config":{"Image":"nginx","Labels":{"a":"<1>","b":"2"},"Volumes":null,"Cmd":["sh","-c"]},"#
            + #""RootFS":{"Type":"layers","Layers":["sha256:a","sha256:b"]},"Data":"AQID"}"#)
        #expect(try GoTemplate("{{.Config.Labels.missing}}|{{.Config.Volumes}}|{{len .Config.Volumes}}").render(value)
            == "<no value>|map[]|0")
        #expect(try GoTemplate("{{index .Config.Labels \"a\"}} {{join .Config.Cmd \" \"}}").render(value) == "<1> sh -c")
        #expect(throws: TemplateError.self) { try GoTemplate("{{.Config.Missing}}").render(value) }
        guard case .object(let fields) = value else {
            Issue.record("expected a struct")
            return
        }
        #expect(fields.keys == ["Id", "Size", "Ratio", "State", "Config", "RootFS", "Data"])
    }

    @Test("dates encode like Go's time.Time", arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (951_782_400.25, "2000-02-29T00:00:00.25Z"),
        (-1.0, "1969-12-31T23:59:59Z"),
    ] as [(Double, String)])
    func dates(_ seconds: Double, _ expected: String) throws {
        #expect(try TemplateValue.from([Date(timeIntervalSince1970: seconds)]) == [.string(expected)])
    }

    @Test("JSON text parses keeping key order")
    func parseJSON() throws {
        let text = #"{"b":1,"a":{"z":true,"y":[1.5,"x",null,-7]},"e":"\u00e9\ud83d\ude00\n\/"}"#
        let value = try TemplateValue(json: text)
        #expect(value.jsonString() == #"{"b":1,"a":{"z":true,"y":[1.5,"x",null,-7]},"e":"é😀\n/"}"#)
        #expect(try TemplateValue(json: "1") == 1)
        #expect(try TemplateValue(json: "1.0") == .double(1))
        #expect(try TemplateValue(json: " 1e2 ") == .double(100))
        #expect(try TemplateValue(json: "18446744073709551615") == .double(18_446_744_073_709_551_615))
    }

    @Test("keys named as maps parse as maps")
    func parseMaps() throws {
        let value = try TemplateValue(json: #"{"Labels":{"b":"2","a":"1"},"Volumes":null}"#, mapKeys: ["Labels", "Volumes"])
        #expect(value == .object(["Labels": .map(["a": "1", "b": "2"]), "Volumes": .map(nil)]))
        #expect(value.jsonString() == #"{"Labels":{"a":"1","b":"2"},"Volumes":null}"#)
    }

    @Test("malformed JSON is an encoding error", arguments: ["{", "[1,]", #"{"a" 1}"#, "tru", #""abc"#, "1 2", ""])
    func badJSON(_ text: String) {
        #expect {
            try TemplateValue(json: text)
        } throws: { error in
            (error as? TemplateError)?.code == .encoding
        }
    }

    @Test("JSON strings escape like encoding/json")
    func escaping() {
        let value: TemplateValue = "<a>&\u{01}\t\u{08}\u{2028}\"\\"
        #expect(value.jsonString() == #""\u003ca\u003e\u0026\u0001\t\b\u2028\"\\""#)
        #expect(value.jsonString(escapeHTML: false) == #""<a>&\u0001\t\b\u2028\"\\""#)
        #expect(TemplateValue.array([nil, 1, "a", .map(TemplateFields()), .object(TemplateFields())]).jsonString()
            == #"[null,1,"a",{},{}]"#)
    }

    @Test("indented JSON is laid out as json.MarshalIndent")
    func indentedJSON() {
        let value: TemplateValue = [
            "Id": "a<b", "Args": [], "Env": ["A=1", "B=2"], "State": ["Running": true, "Pid": 7],
            "Labels": .map(["z": "1", "a": "2"]), "Volumes": .map(nil), "Empty": .map(TemplateFields()), "Ratio": 0.5,
        ]
        #expect(value.jsonString(indent: "    ") == """
            {
                "Id": "a\\u003cb",
                "Args": [],
                "Env": [
                    "A=1",
                    "B=2"
                ],
                "State": {
                    "Running": true,
                    "Pid": 7
                },
                "Labels": {
                    "a": "2",
                    "z": "1"
                },
                "Volumes": null,
                "Empty": {},
                "Ratio": 0.5
            }
            """)
        #expect(TemplateValue.array([]).jsonString(indent: "    ") == "[]")
    }

    @Test("fields keep insertion order and replace in place")
    func fields() {
        var fields: TemplateFields = ["b": 1, "a": 2]
        fields["b"] = 3
        fields["c"] = 4
        #expect(fields.keys == ["b", "a", "c"])
        #expect(fields.values == [3, 2, 4])
        fields["a"] = nil
        #expect(fields.keys == ["b", "c"])
        #expect(fields["c"] == 4)
        #expect(fields.sortedByKey.map(\.key) == ["b", "c"])
    }
}
