import GoTemplate
import SwrunOS
import Testing
@testable import SwrunDockerfile

/// BuildKit's own lexer test data (frontend/dockerfile/shell: envVarTest, wordsTest and the
/// tables of lex_test.go), ported as data: same inputs, same results.
@Suite("DockerfileShellLex")
struct DockerfileShellLexTests {
    static let envVarEnvironment = ["PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""]

    /// envVarTest (the Unix and all-platform lines): input → result, nil for an error.
    static let envVarCases: [(String, String?)] = [
        ("hello", "hello"),
        ("he'll'o", "hello"),
        ("he'llo", nil),
        ("he\\'llo", "he'llo"),
        ("he\\\\'llo", nil),
        ("abc\\tdef", "abctdef"),
        ("\"abc\\tdef\"", "abc\\tdef"),
        ("\"abc\\\\tdef\"", "abc\\tdef"),
        ("'abc\\tdef'", "abc\\tdef"),
        ("hello\\", "hello"),
        ("hello\\\\", "hello\\"),
        ("\"hello", nil),
        ("\"hello\\\"", nil),
        ("\"hel'lo\"", "hel'lo"),
        ("'hello", nil),
        ("'hello\\'", "hello\\"),
        ("'hello\\there'", "hello\\there"),
        ("'hello\\\\there'", "hello\\\\there"),
        ("\"''\"", "''"),
        ("$.", "$."),
        ("he$1x", "hex"),
        ("he$.x", "he$.x"),
        ("he$pwd.", "he."),
        ("he$PWD", "he/home"),
        ("he\\$PWD", "he$PWD"),
        ("he\\\\$PWD", "he\\/home"),
        ("\"he\\$PWD\"", "he$PWD"),
        ("\"he\\\\$PWD\"", "he\\/home"),
        ("\\${}", "${}"),
        ("\\${}aaa", "${}aaa"),
        ("he\\${}", "he${}"),
        ("he\\${}xx", "he${}xx"),
        ("${}", nil),
        ("${}aaa", nil),
        ("he${}", nil),
        ("he${}xx", nil),
        ("he${hi}", "he"),
        ("he${hi}xx", "hexx"),
        ("he${PWD}", "he/home"),
        ("he${.}", nil),
        ("he${XXX:-000}xx", "he000xx"),
        ("he${PWD:-000}xx", "he/homexx"),
        ("he${XXX:-$PWD}xx", "he/homexx"),
        ("he${XXX:-${PWD:-yyy}}xx", "he/homexx"),
        ("he${XXX:-${YYY:-yyy}}xx", "heyyyxx"),
        ("he${XXX:YYY}", nil),
        ("he${XXX?}", nil),
        ("he${XXX:?}", nil),
        ("he${PWD?}", "he/home"),
        ("he${PWD:?}", "he/home"),
        ("he${NULL?}", "he"),
        ("he${NULL:?}", nil),
        ("he${XXX:+${PWD}}xx", "hexx"),
        ("he${PWD:+${XXX}}xx", "hexx"),
        ("he${PWD:+${SHELL}}xx", "hebashxx"),
        ("he${XXX:+000}xx", "hexx"),
        ("he${PWD:+000}xx", "he000xx"),
        ("'he${XX}'", "he${XX}"),
        ("\"he${PWD}\"", "he/home"),
        ("\"he'$PWD'\"", "he'/home'"),
        ("\"$PWD\"", "/home"),
        ("'$PWD'", "$PWD"),
        ("'\\$PWD'", "\\$PWD"),
        ("'\"hello\"'", "\"hello\""),
        ("he\\$PWD", "he$PWD"),
        ("\"he\\$PWD\"", "he$PWD"),
        ("'he\\$PWD'", "he\\$PWD"),
        ("he${PWD", nil),
        ("he${PWD:=000}xx", nil),
        ("he${PWD:+${PWD}:}xx", "he/home:xx"),
        ("he${XXX:-\\$PWD:}xx", "he$PWD:xx"),
        ("he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"),
        ("안녕하세요", "안녕하세요"),
        ("안'녕'하세요", "안녕하세요"),
        ("안'녕하세요", nil),
        ("안녕\\'하세요", "안녕'하세요"),
        ("안\\\\'녕하세요", nil),
        ("안녕\\t하세요", "안녕t하세요"),
        ("\"안녕\\t하세요\"", "안녕\\t하세요"),
        ("'안녕\\t하세요", nil),
        ("안녕하세요\\", "안녕하세요"),
        ("안녕하세요\\\\", "안녕하세요\\"),
        ("\"안녕하세요", nil),
        ("\"안녕하세요\\\"", nil),
        ("\"안녕'하세요\"", "안녕'하세요"),
        ("'안녕하세요", nil),
        ("'안녕하세요\\'", "안녕하세요\\"),
        ("안녕$1x", "안녕x"),
        ("안녕$.x", "안녕$.x"),
        ("안녕$pwd.", "안녕."),
        ("안녕$PWD", "안녕/home"),
        ("안녕\\$PWD", "안녕$PWD"),
        ("안녕\\\\$PWD", "안녕\\/home"),
        ("안녕\\${}", "안녕${}"),
        ("안녕\\${}xx", "안녕${}xx"),
        ("안녕${}", nil),
        ("안녕${}xx", nil),
        ("안녕${hi}", "안녕"),
        ("안녕${hi}xx", "안녕xx"),
        ("안녕${PWD}", "안녕/home"),
        ("안녕${.}", nil),
        ("안녕${XXX:-000}xx", "안녕000xx"),
        ("안녕${PWD:-000}xx", "안녕/homexx"),
        ("안녕${XXX:-$PWD}xx", "안녕/homexx"),
        ("안녕${XXX:-${PWD:-yyy}}xx", "안녕/homexx"),
        ("안녕${XXX:-${YYY:-yyy}}xx", "안녕yyyxx"),
        ("안녕${XXX:YYY}", nil),
        ("안녕${XXX:+${PWD}}xx", "안녕xx"),
        ("안녕${PWD:+${XXX}}xx", "안녕xx"),
        ("안녕${PWD:+${SHELL}}xx", "안녕bashxx"),
        ("안녕${XXX:+000}xx", "안녕xx"),
        ("안녕${PWD:+000}xx", "안녕000xx"),
        ("'안녕${XX}'", "안녕${XX}"),
        ("\"안녕${PWD}\"", "안녕/home"),
        ("\"안녕'$PWD'\"", "안녕'/home'"),
        ("'\"안녕\"'", "\"안녕\""),
        ("안녕\\$PWD", "안녕$PWD"),
        ("\"안녕\\$PWD\"", "안녕$PWD"),
        ("'안녕\\$PWD'", "안녕\\$PWD"),
        ("안녕${PWD", nil),
        ("안녕${PWD:=000}xx", nil),
        ("안녕${PWD:+${PWD}:}xx", "안녕/home:xx"),
        ("안녕${XXX:-\\$PWD:}xx", "안녕$PWD:xx"),
        ("안녕${XXX:-\\${PWD}z}xx", "안녕${PWDz}xx"),
        ("$KOREAN", "한국어"),
        ("안녕$KOREAN", "안녕한국어"),
        ("${{aaa}", nil),
        ("${aaa}}", "}"),
        ("${aaa", nil),
        ("${{aaa:-bbb}", nil),
        ("${aaa:-bbb}}", "bbb}"),
        ("${aaa:-bbb", nil),
        ("${aaa:-bbb}", "bbb"),
        ("${aaa:-${bbb:-ccc}}", "ccc"),
        ("${aaa:-bbb ${foo}", nil),
        ("${aaa:-bbb {foo}", "bbb {foo"),
        ("${:}", nil),
        ("${:-bbb}", nil),
        ("${:+bbb}", nil),
        ("$1", ""),
        ("${1}", ""),
        ("${1:+bbb}", ""),
        ("${1:-bbb}", "bbb"),
        ("$2", ""),
        ("${2}", ""),
        ("${2:+bbb}", ""),
        ("${2:-bbb}", "bbb"),
        ("$3", ""),
        ("${3}", ""),
        ("${3:+bbb}", ""),
        ("${3:-bbb}", "bbb"),
        ("$4", ""),
        ("${4}", ""),
        ("${4:+bbb}", ""),
        ("${4:-bbb}", "bbb"),
        ("$5", ""),
        ("${5}", ""),
        ("${5:+bbb}", ""),
        ("${5:-bbb}", "bbb"),
        ("$6", ""),
        ("${6}", ""),
        ("${6:+bbb}", ""),
        ("${6:-bbb}", "bbb"),
        ("$7", ""),
        ("${7}", ""),
        ("${7:+bbb}", ""),
        ("${7:-bbb}", "bbb"),
        ("$8", ""),
        ("${8}", ""),
        ("${8:+bbb}", ""),
        ("${8:-bbb}", "bbb"),
        ("$9", ""),
        ("${9}", ""),
        ("${9:+bbb}", ""),
        ("${9:-bbb}", "bbb"),
        ("$999", ""),
        ("${999}", ""),
        ("${999:+bbb}", ""),
        ("${999:-bbb}", "bbb"),
        ("$999aaa", "aaa"),
        ("${999}aaa", "aaa"),
        ("${999:+bbb}aaa", "aaa"),
        ("${999:-bbb}aaa", "bbbaaa"),
        ("$001", ""),
        ("${001}", ""),
        ("${001:+bbb}", ""),
        ("${001:-bbb}", "bbb"),
        ("$001aaa", "aaa"),
        ("${001}aaa", "aaa"),
        ("${001:+bbb}aaa", "aaa"),
        ("${001:-bbb}aaa", "bbbaaa"),
        ("$@", ""),
        ("${@}", ""),
        ("${@:+bbb}", ""),
        ("${@:-bbb}", "bbb"),
        ("$@@@", "@@"),
        ("$@aaa", "aaa"),
        ("${@}aaa", "aaa"),
        ("${@:+bbb}aaa", "aaa"),
        ("${@:-bbb}aaa", "bbbaaa"),
        ("$*", ""),
        ("${*}", ""),
        ("${*:+bbb}", ""),
        ("${*:-bbb}", "bbb"),
        ("$#", ""),
        ("${#}", ""),
        ("${#:+bbb}", ""),
        ("${#:-bbb}", "bbb"),
        ("$?", ""),
        ("${?}", ""),
        ("${?:+bbb}", ""),
        ("${?:-bbb}", "bbb"),
        ("$-", ""),
        ("${-}", ""),
        ("${-:+bbb}", ""),
        ("${-:-bbb}", "bbb"),
        ("$$", ""),
        ("${$}", ""),
        ("${$:+bbb}", ""),
        ("${$:-bbb}", "bbb"),
        ("$!", ""),
        ("${!}", ""),
        ("${!:+bbb}", ""),
        ("${!:-bbb}", "bbb"),
        ("$0", ""),
        ("${0}", ""),
        ("${0:+bbb}", ""),
        ("${0:-bbb}", "bbb"),
    ]

    @Test(arguments: envVarCases)
    func processWordMatchesBuildKitsEnvVarTest(_ input: String, _ expected: String?) {
        let lex = ShellLex()
        let result = Result { try lex.processWord(input, Self.envVarEnvironment) }
        if let expected {
            #expect((try? result.get()) == expected, "\(input)")
        } else {
            #expect(throws: SwrunError.self, "\(input)") { try result.get() }
        }
    }

    /// wordsTest: input, the ENV lines above it, words (nil for an error).
    static let wordsCases: [(String, [String: String], [String]?)] = [
        ("hello", [:], ["hello"]),
        ("hello${hi}bye", [:], ["hellobye"]),
        ("hello${hi}bye", ["hi": "hi"], ["hellohibye"]),
        ("hello${space}bye", ["hi": "hi", "space": "abc  def"], ["helloabc", "defbye"]),
        ("hello\"${space}\"bye", ["hi": "hi", "space": "abc  def"], ["helloabc  defbye"]),
        ("hello \"${space}\"bye", ["hi": "hi", "space": "abc  def"], ["hello", "abc  defbye"]),
        ("hello${leading}def", ["hi": "hi", "space": "abc  def", "leading": "  ab c"], ["hello", "ab", "cdef"]),
        ("hello\"${leading}\" def", ["hi": "hi", "space": "abc  def", "leading": "  ab c"], ["hello  ab c", "def"]),
        ("hello\"${leading}\"", ["hi": "hi", "space": "abc  def", "leading": "  ab c"], ["hello  ab c"]),
        ("hello${leading}", ["hi": "hi", "space": "abc  def", "leading": "  ab c"], ["hello", "ab", "c"]),
        ("hello${trailing}", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["helloab", "c"]),
        ("hello${trailing}d", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["helloab", "c", "d"]),
        ("hello\"${trailing}\"d", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["helloab c   d"]),
        ("hel\"lo${trailing}\"", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["helloab c   "]),
        ("hello\" there  \"", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello there  "]),
        ("hello there", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello", "there"]),
        ("hello\\ there", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello there"]),
        ("hello\" there", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], nil),
        ("hello\\\" there", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello\"", "there"]),
        ("hello\"\\\\there\"", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello\\there"]),
        ("hello\"\\there\"", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello\\there"]),
        ("hello'\\\\there'", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello\\\\there"]),
        ("hello'\\there'", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello\\there"]),
        ("hello'$there'", ["hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "], ["hello$there"]),
    ]

    @Test(arguments: wordsCases)
    func processWordsMatchesBuildKitsWordsTest(_ input: String, _ environment: [String: String], _ expected: [String]?) {
        let result = Result { try ShellLex().processWords(input, environment) }
        if let expected {
            #expect((try? result.get()) == expected, "\(input)")
        } else {
            #expect(throws: SwrunError.self, "\(input)") { try result.get() }
        }
    }

    /// lex_test.go TestProcessWithMatches and TestProcessWithMatchesPlatform.
    static let modifierCases: [(String, [String: String], String?)] = [
        ("x", ["DUMMY": "dummy"], "x"),
        ("x ${UNUSED}", ["DUMMY": "dummy"], "x "),
        ("x ${FOO}", ["FOO": "y"], "x y"),
        ("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", ["FOO": "xxx", "BAR": ""], "xxx  ccc"),
        ("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", ["FOO": "xxx", "BAR": ""], "xxx bbb ccc"),
        ("${FOO:-}", ["FOO": "xxx", "BAR": ""], "xxx"),
        ("${FOO:-}", [:], ""),
        ("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", ["FOO": "xxx", "BAR": ""], "aaa bbb "),
        ("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", ["FOO": "xxx", "BAR": ""], "aaa  "),
        ("${FOO?aaa}", ["FOO": "xxx", "BAR": ""], "xxx"),
        ("${BAR?bbb}", ["FOO": "xxx", "BAR": ""], ""),
        ("${BAZ?ccc}", ["FOO": "xxx", "BAR": ""], nil),
        ("${FOO:?aaa}", ["FOO": "xxx", "BAR": ""], "xxx"),
        ("${BAR:?bbb}", ["FOO": "xxx", "BAR": ""], nil),
        ("${BAZ:?ccc}", ["FOO": "xxx", "BAR": ""], nil),
        ("${BAZ:?}", ["FOO": "xxx", "BAR": ""], nil),
        ("${FOO=aaa}", ["FOO": "xxx", "BAR": ""], nil),
        ("${FOO=:aaa}", ["FOO": "xxx", "BAR": ""], nil),
        ("${FOO=}", [:], nil),
        ("${FOO#()[]{\\}^$.\\*\\?|\\\\}", ["FOO": "()[]{}^$.*?|\\x"], "x"),
        ("${FOO%%\\**}", ["FOO": "xx**"], "xx"),
        ("${FOO#*x*y}", ["FOO": "xxyy"], "y"),
        ("${FOO#*}", ["FOO": "xxyy"], "xxyy"),
        ("${FOO#$BAR}", ["FOO": "xxyy", "BAR": "x"], "xyy"),
        ("${FOO#$BAR}", ["FOO": "xxyy", "BAR": ""], "xxyy"),
        ("${FOO#}", ["FOO": "xxyy"], "xxyy"),
        ("${FOO##*x}", ["FOO": "xxyy"], "yy"),
        ("${FOO##}", ["FOO": "xxyy"], "xxyy"),
        ("${FOO#?\\?}", ["FOO": "???y"], "?y"),
        ("${ABC:-.}${FOO%x}${ABC:-.}", ["FOO": "xxyy"], ".xxyy."),
        ("${FOO%%\\**\\*}", ["FOO": "a***yy*"], "a"),
        ("${FOO%}", ["FOO": "xxyy"], "xxyy"),
        ("${FOO%%$BAR}", ["FOO": "xxyy", "BAR": ""], "xxyy"),
        ("${FOO:#}", [:], nil),
        ("${FOO:##}", [:], nil),
        ("${FOO:%}", [:], nil),
        ("${FOO:%%}", [:], nil),
        ("${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", ["FOO": "/foo*/*/*.txt", "NEEDLE": "\\*/"], "/foo.*/*.txt - /foo..*.txt"),
        ("${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", ["FOO": "/tmp/tmp/bar.txt", "NEEDLE": "/tmp"], "/tmp/bar.txt - /bar.txt"),
        ("${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}", ["FOO": "/a/foo/b/c.txt", "NEEDLE": "/?/", "REPLACEMENT": "/"],
         "/foo/b/c.txt - /foo/c.txt"),
        ("${FOO/$NEEDLE/$REPLACEMENT}", ["FOO": "http://google.de", "NEEDLE": "http://", "REPLACEMENT": "https://"], "https://google.de"),
        ("${FOO//\\//\\/}", ["FOO": "/tmp/foo.txt"], "\\/tmp\\/foo.txt"),
        ("${FOO/$BAR/ww}", ["FOO": "xxyy", "BAR": ""], "wwxxyy"),
        ("${FOO//ww}", ["FOO": "xxyy"], nil),
        ("${FOO//}", ["FOO": "xxyy"], nil),
        ("${FOO///}", ["FOO": "xxyy"], "xxyy"),
        ("${FOO///}", [:], ""),
        ("something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
         ["VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm", "TARGETVARIANT": "v7"], "something-v1.2.3.linux-arm-v7.tar.gz"),
        ("something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
         ["VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm64", "TARGETVARIANT": ""], "something-v1.2.3.linux-arm64.tar.gz"),
        ("something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
         ["VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm64"], "something-v1.2.3.linux-arm64.tar.gz"),
    ]

    @Test(arguments: modifierCases)
    func modifiersMatchBuildKitsLexTests(_ input: String, _ environment: [String: String], _ expected: String?) {
        let result = Result { try ShellLex().processWord(input, environment) }
        if let expected {
            #expect((try? result.get()) == expected, "\(input)")
        } else {
            #expect(throws: SwrunError.self, "\(input)") { try result.get() }
        }
    }

    @Test func mandatoryVariablesSayTheMessage() throws {
        let lex = ShellLex()
        #expect(try lex.processWord("${VAR:?message here$ARG}", ["VAR": "plain", "ARG": "x"]) == "plain")
        #expect(try lex.processWord("${VAR?message here$ARG}", ["VAR": "", "ARG": "x"]) == "")
        for (word, environment) in [("${VAR:?message here$ARG}", ["VAR": "", "ARG": "x"]), ("${VAR:?message here$ARG}", ["ARG": "x"]),
                                    ("${VAR?message here$ARG}", ["ARG": "x"])] {
            #expect(throws: SwrunError(.invalidArgument, "failed to process \(goQuoted(word)): VAR: message herex")) {
                try lex.processWord(word, environment)
            }
        }
        #expect(throws: SwrunError(.invalidArgument, "failed to process \"${X:?}\": X: is not allowed to be empty")) {
            try lex.processWord("${X:?}", ["X": ""])
        }
    }

    @Test func errorsAreBuildKits() {
        let cases = [
            ("he'llo", "unexpected end of statement while looking for matching single-quote"),
            ("\"hello", "unexpected end of statement while looking for matching double-quote"),
            ("${}", "syntax error: bad substitution"),
            ("${aaa:-bbb", "syntax error: missing '}'"),
            ("${PWD:=000}", "unsupported modifier (:=) in substitution"),
            ("${A#\\x}", "invalid pattern (\\x) in substitution: invalid escape '\\x'"),
            ("${A/x", "syntax error: missing '/' in ${}"),
        ]
        for (word, message) in cases {
            #expect(throws: SwrunError(.invalidArgument, "failed to process \(goQuoted(word)): \(message)")) {
                try ShellLex().processWord(word, ["A": "a"])
            }
        }
    }

    @Test func backtickIsTheEscapeWhenChosen() throws {
        let lex = ShellLex(escape: "`")
        #expect(try lex.processWord("C:\\dir`$X", ["X": "x"]) == "C:\\dir$X")
        #expect(try lex.processWord("\"a`\"b\"", [:]) == "a\"b")
        #expect(try lex.processWords("a` b c", [:]) == ["a b", "c"])
    }

    @Test func heredocMarkersStayOneWord() throws {
        #expect(try ShellLex().processWords("cat << EOF > /x", [:]) == ["cat", "<< EOF", ">", "/x"])
    }
}
