import SwrunOS
import Testing
@testable import SwrunDockerfile

@Suite("DockerfileHeredoc")
struct DockerfileHeredocTests {
    @Test func runHeredocReadsTheBody() throws {
        let all = try instructions("FROM scratch\nRUN <<EOF\necho \"$HOME\"\n  exit 0\nEOF\nUSER nobody\n")
        let run = try #require(all[0].run)
        #expect(run.command == .shell("<<EOF"))
        #expect(run.heredocs == [Heredoc(name: "EOF", content: "echo \"$HOME\"\n  exit 0\n", expand: true, chomp: false)])
        #expect(all[0].original == "RUN <<EOF")
        #expect(all[1].line == 6 && all[1].text == "nobody")
    }

    @Test func dashStripsLeadingTabs() throws {
        let run = try #require(try instructions("FROM scratch\nRUN <<-END\n\techo a\n\t\techo b\n  c\n\tEND\n")[0].run)
        #expect(run.heredocs == [Heredoc(name: "END", content: "echo a\necho b\n  c\n", expand: true, chomp: true)])
    }

    @Test(arguments: [
        ("<<\"EOF\"", "EOF", false),
        ("<<'EOF'", "EOF", false),
        ("<<E\"O\"F", "EOF", false),
        ("<< EOF", "EOF", true),
        ("2<<EOF", "EOF", true),
    ])
    func quotedDelimitersTurnExpansionOff(_ marker: String, _ name: String, _ expand: Bool) throws {
        let run = try #require(try instructions("FROM scratch\nRUN cat \(marker)\nbody $X\n\(name)\n")[0].run)
        #expect(run.heredocs == [Heredoc(name: name, content: "body $X\n", expand: expand, chomp: false)])
    }

    @Test func severalHeredocsOnOneLine() throws {
        let all = try instructions("FROM scratch\nRUN <<FILE1 cat > /a && <<FILE2 cat > /b\none\nFILE1\ntwo\nFILE2\nRUN true\n")
        #expect(all[0].run?.heredocs.map(\.name) == ["FILE1", "FILE2"])
        #expect(all[0].run?.heredocs.map(\.content) == ["one\n", "two\n"])
        #expect(all[1].line == 7)
    }

    @Test func copyHeredocIsAnInlineSource() throws {
        let copy = try #require(try instructions("FROM scratch\nCOPY --chmod=755 <<-EOT /usr/local/bin/hello\n\t#!/bin/sh\n\techo hello\n\tEOT\n")[0].copy)
        #expect(copy.sources.isEmpty && copy.destination == "/usr/local/bin/hello" && copy.chmod == "755")
        #expect(copy.heredocs == [Heredoc(name: "EOT", content: "#!/bin/sh\necho hello\n", expand: true, chomp: true)])
        let mixed = try #require(try instructions("FROM scratch\nCOPY a <<X b/\nx\nX\n")[0].copy)
        #expect(mixed.sources == ["a"] && mixed.heredocs.map(\.name) == ["X"] && mixed.destination == "b/")
    }

    @Test func notHeredocs() throws {
        let quoted = try instructions("FROM scratch\nRUN echo \"<<EOF\"\nRUN [\"cat\", \"<<EOF\"]\nUSER x\n")
        #expect(quoted[0].run?.heredocs == [] && quoted[1].run?.heredocs == [] && quoted.count == 3)
        #expect(try instruction("CMD cat <<EOF").command == .shell("cat <<EOF"))
    }

    @Test func lineEndingsAreKept() throws {
        let run = try #require(try instructions("FROM scratch\r\nRUN <<EOF\r\nline\r\nEOF\r\n")[0].run)
        #expect(run.heredocs.first?.content == "line\r\n")
    }

    @Test func copyBodiesAreExpandedUnlessQuoted() throws {
        let all = try instructions("FROM scratch\nCOPY <<A <<'B' /d/\n\"$X\" \\$X ${Y:-y}\nA\n$X\nB\n")
        let expanded = try all[0].expanded(with: ["X": "1"], escape: "\\")
        #expect(expanded.copy?.heredocs.map(\.content) == ["\"1\" $X y\n", "$X\n"])
    }
}

/// BuildKit's parser_heredoc_test.go cases, as data: the heredocs each node reads
/// (bodies as read, before `<<-` strips tabs).
@Suite("DockerfileHeredocBuildKitCases")
struct DockerfileHeredocBuildKitCasesTests {
    static let dockerfile = """

        FROM alpine:3.6

        ENV NAME=me

        RUN ls

        USER <<INVALID
        INVALID

        RUN <<EMPTY
        EMPTY

        RUN 3<<EMPTY2
        EMPTY2

        RUN "<<NOHEREDOC"

        RUN <<INDENT
        \tfoo
        \tbar
        INDENT

        RUN <<-UNINDENT
        \tbaz
        \tquux
        UNINDENT

        RUN <<-UNINDENT2
        \tbaz
        \tquux
        \tUNINDENT2

        RUN <<-EXPAND
        \texpand $NAME
        EXPAND

        RUN <<-'NOEXPAND'
        \tdon't expand $NAME
        NOEXPAND

        RUN <<COPY
        echo hello world
        echo foo bar
        COPY

        RUN <<COMMENT
        # internal comment
        echo hello world
        echo foo bar # trailing comment
        COMMENT

        RUN --mount=type=cache,target=/foo <<MOUNT
        echo hello
        MOUNT

        COPY <<FILE1 <<FILE2 /dest
        content 1
        FILE1
        content 2
        FILE2

        COPY <<EOF /quotes
        "foo"
        'bar'
        EOF

        COPY <<X <<Y /dest
        Y
        X
        X
        Y

        RUN <<COMPLEX python3
        print('hello world')
        COMPLEX

        COPY <<file.txt /dest
        hello world
        file.txt

        RUN <<eo'f'
        echo foo
        eof

        RUN <<eo\\'f
        echo foo
        eo'f

        RUN <<'e'o\\'f
        echo foo
        eo'f

        RUN <<'one two'
        echo bar
        one two

        RUN <<$EOF
        $EOF

        RUN <<  EOF
        EOF

        RUN <<  EOF  > foo
        EOF
        \t
        """

    static func doc(_ name: String, _ content: String, expand: Bool = true, chomp: Bool = false) -> Heredoc {
        Heredoc(name: name, content: content, expand: expand, chomp: chomp)
    }

    static let expected: [[Heredoc]] = [
        [],  // ENV
        [],  // RUN ls
        [],  // USER <<INVALID
        [],  // INVALID
        [doc("EMPTY", "")],
        [doc("EMPTY2", "")],
        [],  // RUN "<<NOHEREDOC"
        [doc("INDENT", "\tfoo\n\tbar\n")],
        [doc("UNINDENT", "\tbaz\n\tquux\n", chomp: true)],
        [doc("UNINDENT2", "\tbaz\n\tquux\n", chomp: true)],
        [doc("EXPAND", "\texpand $NAME\n", chomp: true)],
        [doc("NOEXPAND", "\tdon't expand $NAME\n", expand: false, chomp: true)],
        [doc("COPY", "echo hello world\necho foo bar\n")],
        [doc("COMMENT", "# internal comment\necho hello world\necho foo bar # trailing comment\n")],
        [doc("MOUNT", "echo hello\n")],
        [doc("FILE1", "content 1\n"), doc("FILE2", "content 2\n")],
        [doc("EOF", "\"foo\"\n'bar'\n")],
        [doc("X", "Y\n"), doc("Y", "X\n")],
        [doc("COMPLEX", "print('hello world')\n")],
        [doc("file.txt", "hello world\n")],
        [doc("eof", "echo foo\n", expand: false)],
        [doc("eo'f", "echo foo\n")],
        [doc("eo'f", "echo foo\n", expand: false)],
        [doc("one two", "echo bar\n", expand: false)],
        [doc("$EOF", "")],
        [doc("EOF", "")],
        [doc("EOF", "")],
    ]

    @Test func nodesReadBuildKitsHeredocs() throws {
        let (nodes, _) = try DockerfileParser(text: Self.dockerfile, fileName: "Dockerfile").readNodes()
        #expect(nodes.count == Self.expected.count + 1)
        for (node, expected) in zip(nodes.dropFirst(), Self.expected) {
            #expect(node.heredocs == expected, "\(node.original)")
        }
    }

    @Test func jsonFormHasNoHeredocs() throws {
        let (nodes, _) = try DockerfileParser(text: "FROM alpine\nRUN [\"whoami\"]\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n", fileName: "Dockerfile").readNodes()
        #expect(nodes.allSatisfy { $0.heredocs.isEmpty } && nodes.count == 4)
    }

    @Test(arguments: ["<<EOF", "<<'EOF'", "<<\"EOF\"", "<<-EOF", "<<-'EOF'", "<<-\"EOF\"", "<<EO\"F\"", "<< EOF", "<<- EOF"])
    func validMarkers(_ word: String) throws {
        #expect(try Heredoc.marker(word)?.name == "EOF")
    }

    @Test(arguments: ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""])
    func invalidMarkers(_ word: String) {
        #expect(throws: SwrunError.self) { try Heredoc.marker(word) }
    }

    @Test(arguments: ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"])
    func notMarkers(_ word: String) throws {
        #expect(try Heredoc.marker(word) == nil)
    }

    @Test func chompStripsLeadingTabs() {
        #expect(Heredoc.chomped("\thello\n\tworld\n") == "hello\nworld\n")
    }
}
