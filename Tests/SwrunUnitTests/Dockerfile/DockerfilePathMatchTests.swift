import SwrunOS
import Testing
import SwrunDockerfile

/// Go's path/filepath Match test table (match_test.go), as data.
@Suite("DockerfilePathMatch")
struct DockerfilePathMatchTests {
    static let cases: [(String, String, Bool?)] = [
        ("abc", "abc", true),
        ("*", "abc", true),
        ("*c", "abc", true),
        ("a*", "a", true),
        ("a*", "abc", true),
        ("a*", "ab/c", false),
        ("a*/b", "abc/b", true),
        ("a*/b", "a/c/b", false),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
        ("a*b?c*x", "abxbbxdbxebxczzx", true),
        ("a*b?c*x", "abxbbxdbxebxczzy", false),
        ("ab[c]", "abc", true),
        ("ab[b-d]", "abc", true),
        ("ab[e-g]", "abc", false),
        ("ab[^c]", "abc", false),
        ("ab[^b-d]", "abc", false),
        ("ab[^e-g]", "abc", true),
        ("a\\*b", "a*b", true),
        ("a\\*b", "ab", false),
        ("a?b", "a☺b", true),
        ("a[^a]b", "a☺b", true),
        ("a???b", "a☺b", false),
        ("a[^a][^a][^a]b", "a☺b", false),
        ("[a-ζ]*", "α", true),
        ("*[a-ζ]", "A", false),
        ("a?b", "a/b", false),
        ("a*b", "a/b", false),
        ("[\\]a]", "]", true),
        ("[\\-]", "-", true),
        ("[x\\-]", "x", true),
        ("[x\\-]", "-", true),
        ("[x\\-]", "z", false),
        ("[\\-x]", "x", true),
        ("[\\-x]", "-", true),
        ("[\\-x]", "a", false),
        ("[]a]", "]", nil),
        ("[-]", "-", nil),
        ("[x-]", "x", nil),
        ("[x-]", "-", nil),
        ("[x-]", "z", nil),
        ("[-x]", "x", nil),
        ("[-x]", "-", nil),
        ("[-x]", "a", nil),
        ("\\", "a", nil),
        ("[a-b-c]", "a", nil),
        ("[", "a", nil),
        ("[^", "a", nil),
        ("[^bc", "a", nil),
        ("a[", "a", nil),
        ("a[", "ab", nil),
        ("a[", "x", nil),
        ("a/b[", "x", nil),
        ("*x", "xxx", true),
    ]

    /// nil: the pattern is malformed (Go's ErrBadPattern).
    @Test(arguments: cases)
    func matchesAsGoDoes(_ pattern: String, _ name: String, _ expected: Bool?) {
        if let expected {
            #expect((try? PathMatch.matches(pattern, name)) == expected, "\(pattern) \(name)")
        } else {
            #expect(throws: SwrunError(.invalidArgument, "syntax error in pattern"), "\(pattern) \(name)") {
                try PathMatch.matches(pattern, name)
            }
        }
    }
}
