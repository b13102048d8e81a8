import Testing
@testable import GoTemplate

/// Expected outputs are what Go's text/template (with docker's functions) prints for the same
/// template and data.
@Suite("GoTemplate execution")
struct GoTemplateTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let template: String
        let expected: String
        var testDescription: String { template }
        init(_ template: String, _ expected: String) {
            self.template = template
            self.expected = expected
        }
    }

    /// Shaped like `docker inspect` output: structs are objects, Labels and Networks are maps.
    static let container: TemplateValue = .object([
        "Id": "abc123",
        "Name": "/web",
        "State": .object(["Status": "running", "Running": true, "Pid": 1234, "ExitCode": 0, "Health": nil]),
        "Config": .object([
            "Cmd": ["nginx", "-g", "daemon off;"],
            "Image": "nginx:latest",
            "Labels": .map(["com.example": "x", "a": "1"]),
        ]),
        "RootFS": .object(["Type": "layers", "Layers": ["sha256:a", "sha256:b"]]),
        "Args": ["-g", "daemon off;"],
        "RepoTags": ["nginx:latest", "nginx:1.25"],
        "NetworkSettings": .object([
            "Networks": .map(["bridge": .object(["IPAddress": "172.17.0.2"])]),
        ]),
        "Mounts": [],
        "Ratio": 0.25,
    ])

    static let docker: [Case] = [
        Case("{{.Id}}", "abc123"),
        Case("{{.State.Status}}", "running"),
        Case("{{.State.Pid}}", "1234"),
        Case("{{.State.Running}}", "true"),
        Case("{{.Ratio}}", "0.25"),
        // A nil pointer field prints as <nil>; a missing map key as <no value>.
        Case("{{.State.Health}}", "<nil>"),
        Case("{{.Config.Labels.missing}}", "<no value>"),
        Case("{{.Config.Labels.a}}", "1"),
        Case("{{.Config.Labels}}", "map[a:1 com.example:x]"),
        Case("{{.RepoTags}}", "[nginx:latest nginx:1.25]"),
        // %v of a struct: the field values in order, without names.
        Case("{{.RootFS}}", "{layers [sha256:a sha256:b]}"),
        Case("{{len .RootFS.Layers}}", "2"),
        Case("{{index .Config.Labels \"com.example\"}}", "x"),
        // index of a missing key is the element type's zero value: "" for map[string]string.
        Case("{{index .Config.Labels \"nope\"}}", ""),
        Case("{{index .RepoTags 1}}", "nginx:1.25"),
        Case("{{join .Config.Cmd \",\"}}", "nginx,-g,daemon off;"),
        Case("{{join .Args \" \"}}", "-g daemon off;"),
        Case("{{range .RepoTags}}{{.}} {{end}}", "nginx:latest nginx:1.25 "),
        Case("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}", "a=1;com.example=x;"),
        Case("{{range $i, $t := .RepoTags}}{{$i}}:{{$t}} {{end}}", "0:nginx:latest 1:nginx:1.25 "),
        Case("{{range $t := .RepoTags}}<{{$t}}>{{end}}", "<nginx:latest><nginx:1.25>"),
        Case("{{range .Mounts}}x{{else}}none{{end}}", "none"),
        Case("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "172.17.0.2"),
        Case("{{.NetworkSettings.Networks.bridge.IPAddress}}", "172.17.0.2"),
        Case("{{if .State.Running}}up{{else}}down{{end}}", "up"),
        Case("{{if not .State.Running}}up{{else if eq .State.Status \"running\"}}r{{else}}down{{end}}", "r"),
        Case("{{if .Mounts}}some{{else}}none{{end}}", "none"),
        Case("{{with .State}}{{.Status}}/{{$.Name}}{{end}}", "running//web"),
        Case("{{with .Mounts}}x{{else}}empty{{end}}", "empty"),
        Case("{{with $s := .State.Status}}{{$s}}{{end}}", "running"),
        Case("{{json .Config}}", #"{"Cmd":["nginx","-g","daemon off;"],"Image":"nginx:latest","Labels":{"a":"1","com.example":"x"}}"#),
        Case("{{json .State}}", #"{"Status":"running","Running":true,"Pid":1234,"ExitCode":0,"Health":null}"#),
        Case("{{json .RepoTags}}", #"["nginx:latest","nginx:1.25"]"#),
        Case("{{json .Config.Labels.missing}}", "null"),
        Case("{{upper .State.Status}}", "RUNNING"),
        Case("{{lower \"ABC\"}}", "abc"),
        Case("{{title \"hello world-foo_bar\"}}", "Hello World-Foo_bar"),
        Case("{{split \"a:b:c\" \":\"}}", "[a b c]"),
        Case("{{pad .State.Status 2 1}}|", "  running |"),
        Case("{{pad \"\" 2 1}}|", "|"),
        Case("{{truncate .Id 3}}", "abc"),
        Case("{{truncate .Id 30}}", "abc123"),
        Case("{{.Name | printf \"%q\"}}", "\"/web\""),
        Case("{{.State.Status | upper | printf \"[%s]\"}}", "[RUNNING]"),
    ]

    static let constructs: [Case] = [
        Case("plain text", "plain text"),
        Case("{{$root := .}}{{range .RepoTags}}{{$root.Name}}{{end}}", "/web/web"),
        Case("{{range .RepoTags}}{{$.Name}}{{end}}", "/web/web"),
        Case("a  {{- .Name -}}  b", "a/webb"),
        Case("a \n {{- .Name}}", "a/web"),
        Case("{{/* a comment */}}x", "x"),
        Case("a {{- /* c */ -}}  x", "ax"),
        Case("{{(index .RepoTags 0)}}", "nginx:latest"),
        Case("{{(.State).Status}}", "running"),
        Case("{{(index .NetworkSettings.Networks \"bridge\").IPAddress}}", "172.17.0.2"),
        Case("{{len (index .RootFS.Layers 0)}}", "8"),
        Case("{{and 1 0}}", "0"),
        Case("{{and 1 2}}", "2"),
        Case("{{or 0 \"\" \"x\"}}", "x"),
        Case("{{or 0 false}}", "false"),
        // and/or stop early, so the failing index is never evaluated.
        Case("{{or 1 (index .RepoTags 9)}}", "1"),
        Case("{{not 0}}", "true"),
        Case("{{eq .State.Status \"exited\" \"running\"}}", "true"),
        Case("{{eq .State.Pid 1234}}", "true"),
        Case("{{ne 1 2}}", "true"),
        Case("{{lt 1 2}}", "true"),
        Case("{{le 2 2}}", "true"),
        Case("{{gt \"b\" \"a\"}}", "true"),
        Case("{{ge 1.5 2.5}}", "false"),
        Case("{{eq .State.Health nil}}", "true"),
        // Sprint puts a space between operands when neither is a string.
        Case("{{print 1 2 \"a\" \"b\" 3}}", "1 2ab3"),
        Case("{{println 1 \"a\"}}", "1 a\n"),
        Case("{{print .Config.Labels.missing}}", "<nil>"),
        Case("{{html \"<a href='x'>&\"}}", "&lt;a href=&#39;x&#39;&gt;&amp;"),
        Case("{{js \"it's <b>\"}}", #"it\'s \u003Cb\u003E"#),
        Case("{{urlquery \"a b&c=d\"}}", "a+b%26c%3Dd"),
        Case("{{slice \"hello\" 1 3}}", "el"),
        Case("{{slice .RepoTags 1}}", "[nginx:1.25]"),
        Case("{{index \"abc\" 1}}", "98"),
        Case("{{range $i, $e := .RepoTags}}{{if $i}},{{end}}{{$e}}{{end}}", "nginx:latest,nginx:1.25"),
        Case("{{range .RepoTags}}{{if eq . \"nginx:1.25\"}}{{break}}{{end}}{{.}}{{end}}", "nginx:latest"),
        Case("{{range .RepoTags}}{{if eq . \"nginx:latest\"}}{{continue}}{{end}}{{.}}{{end}}", "nginx:1.25"),
        Case("{{range 3}}{{.}}{{end}}", "012"),
        Case("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2"),
        Case("{{$x := \"out\"}}{{range .RepoTags}}{{$x := \"in\"}}{{end}}{{$x}}", "out"),
        Case("{{printf \"%c\" 'A'}}", "A"),
        Case("{{1.5}} {{1e6}} {{0x10}} {{-3}} {{1_000}}", "1.5 1e+06 16 -3 1000"),
        Case("{{`a\\tb`}}", #"a\tb"#),
        Case("{{\"a\\tb\\u00e9\"}}", "a\tbé"),
        Case("{{true}} {{false}}", "true false"),
        Case("{{.State.Pid | printf \"%d-%s\" \"x\"}}", "%!d(string=x)-%!s(int=1234)"),
        Case("{{\n  .Id\n}}", "abc123"),
        Case("{{.5}} {{printf \"%5.1f%%\" 12.345}}", "0.5  12.3%"),
        Case("{{$x := 1}}{{$x}}{{$x := 2}}{{$x}}", "12"),
        Case("{{.Id -}} \n {{- .Name}} {{.Id  -}}  !", "abc123/web abc123!"),
    ]

    @Test("docker-style formats", arguments: docker)
    func dockerFormats(_ c: Case) throws {
        #expect(try GoTemplate(c.template).render(Self.container) == c.expected)
    }

    @Test("template language", arguments: constructs)
    func templateLanguage(_ c: Case) throws {
        #expect(try GoTemplate(c.template).render(Self.container) == c.expected)
    }

    @Test("dot is the data itself")
    func dot() throws {
        #expect(try GoTemplate("{{.}}").render("hello") == "hello")
        #expect(try GoTemplate("{{.}}").render(42) == "42")
        #expect(try GoTemplate("{{.}}").render(nil) == "<nil>")
        #expect(try GoTemplate("{{.}}").render(.map(nil)) == "map[]")
        #expect(try GoTemplate("{{json .}}").render(.map(nil)) == "null")
        #expect(try GoTemplate("{{range .}}{{.}}{{else}}empty{{end}}").render(.map(nil)) == "empty")
        #expect(try GoTemplate("{{len .}}").render(.map(nil)) == "0")
        #expect(try GoTemplate("{{.a}}").render(.map(nil)) == "<no value>")
    }

    @Test("a template renders many values")
    func reuse() throws {
        let template = try GoTemplate("{{.Name}};")
        let rows: [TemplateValue] = [["Name": "a"], ["Name": "b"]]
        #expect(try rows.map(template.render).joined() == "a;b;")
    }
}
