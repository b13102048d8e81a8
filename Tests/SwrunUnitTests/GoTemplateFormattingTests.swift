import Testing
@testable import GoTemplate

/// Go's fmt as templates reach it through printf and value printing.
@Suite("GoTemplate formatting")
struct GoTemplateFormattingTests {
    struct PrintfCase: Sendable, CustomTestStringConvertible {
        let format: String
        let args: [TemplateValue]
        let expected: String
        var testDescription: String { format }
        init(_ format: String, _ args: [TemplateValue], _ expected: String) {
            self.format = format
            self.args = args
            self.expected = expected
        }
    }

    static let printf: [PrintfCase] = [
        PrintfCase("%s|%d|%v|%t", ["a", 1, 2.5, true], "a|1|2.5|true"),
        PrintfCase("%-8s|%5d|%x", ["running", 1234, 255], "running | 1234|ff"),
        PrintfCase("%10s|%-5d|", ["abc", 42], "       abc|42   |"),
        PrintfCase("%05d|%+d|% d", [42, 5, 7], "00042|+5| 7"),
        PrintfCase("%X|%#x|%o|%b|%c|%U", [255, 255, 8, 5, 65, 65], "FF|0xff|10|101|A|U+0041"),
        PrintfCase("%5.2f|%e|%g|%.3g", [3.14159, 1234.5678, 0.00001, 1234.5678], " 3.14|1.234568e+03|1e-05|1.23e+03"),
        PrintfCase("%q|%q", ["a\"b\n", 120], #""a\"b\n"|'x'"#),
        PrintfCase("%x|%.2s|%5.1s|", ["hi", "abc", "xyz"], "6869|ab|    x|"),
        PrintfCase("%v|%d|%s", [[1, 2], [3, 4], ["a", "b"]], "[1 2]|[3 4]|[a b]"),
        PrintfCase("%v", [.map(["b": 2, "a": 1])], "map[a:1 b:2]"),
        PrintfCase("%v|%+v|%+d", [["A": 1, "B": "x"], ["A": 1, "B": "x"], 3], "{1 x}|{A:1 B:x}|+3"),
        PrintfCase("%T %T %T %T", ["a", 1, 1.5, [1]], "string int float64 []interface {}"),
        PrintfCase("%d|%s|%t", ["x", 5, 1], "%!d(string=x)|%!s(int=5)|%!t(int=1)"),
        PrintfCase("%s %d", ["x"], "x %!d(MISSING)"),
        PrintfCase("a", [1, "b"], "a%!(EXTRA int=1, string=b)"),
        PrintfCase("100%%", [], "100%"),
        PrintfCase("%s|%v", [nil, nil], "%!s(<nil>)|<nil>"),
        PrintfCase("%", [], "%!(NOVERB)"),
        PrintfCase("%*d|%-*d|", [5, 1, 3, 2], "    1|2  |"),
        PrintfCase("%v %v", [.double(.infinity), .double(.nan)], "+Inf NaN"),
    ]

    @Test("printf follows Go's fmt", arguments: printf)
    func printfFormats(_ c: PrintfCase) {
        #expect(GoFormatter.sprintf(c.format, c.args) == c.expected)
    }

    @Test("floats print in Go's shortest %v form", arguments: [
        (1.0, "1"), (0.1, "0.1"), (-2.5, "-2.5"), (100000.0, "100000"), (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"), (1e-5, "1e-05"), (0.0001, "0.0001"), (1e21, "1e+21"),
        (123.456, "123.456"), (0.0, "0"), (-0.0, "-0"), (5e-324, "5e-324"),
    ] as [(Double, String)])
    func floatPrinting(_ value: Double, _ expected: String) {
        #expect(GoFormatter.print(.double(value)) == expected)
    }

    @Test("floats encode as Go's encoding/json does", arguments: [
        (1.0, "1"), (1e6, "1000000"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
        (1e-7, "1e-7"), (0.000001, "0.000001"), (1.5, "1.5"), (-3.25e-10, "-3.25e-10"),
    ] as [(Double, String)])
    func floatJSON(_ value: Double, _ expected: String) {
        #expect(TemplateValue.double(value).jsonString() == expected)
    }

    @Test("values print like fmt.Print")
    func printing() {
        #expect(GoFormatter.print(["a", 1, nil, ["x"]]) == "[a 1 <nil> [x]]")
        #expect(GoFormatter.print(.map(nil)) == "map[]")
        #expect(GoFormatter.print(.object(TemplateFields())) == "{}")
        #expect(GoFormatter.print(["Name": "n", "Labels": .map(["k": "v"])]) == "{n map[k:v]}")
        #expect(GoFormatter.sprint(["a", "b", 1, 2, "c"]) == "ab1 2c")
        #expect(GoFormatter.sprintln(["a", 1]) == "a 1\n")
    }

    @Test("truth follows Go")
    func truth() {
        let falsy: [TemplateValue] = [nil, false, 0, 0.0, "", [], .map(nil), .map(TemplateFields())]
        let truthy: [TemplateValue] = [true, 1, -1, 0.5, "x", [nil], .map(["k": ""]), .object(TemplateFields())]
        #expect(falsy.allSatisfy { !$0.isTrue })
        #expect(truthy.allSatisfy { $0.isTrue })
    }

    @Test("escaping functions")
    func escaping() {
        #expect(TextEscaping.html("\"'&<>") == "&#34;&#39;&amp;&lt;&gt;")
        #expect(TextEscaping.javaScript("a=\"b\"\\\n") == #"a\u003D\"b\"\\\u000A"#)
        #expect(TextEscaping.queryEscape("a/b c~é") == "a%2Fb+c~%C3%A9")
        #expect(TextEscaping.title("hello wORLD  foo.bar") == "Hello WORLD  Foo.Bar")
    }
}
