import Testing
@testable import SwrunOS
@testable import SwrunRegistry

@Suite("Registry URLs, Link pagination and error bodies")
struct RegistryURLTests {
    @Test(arguments: [
        ("/v2/foo/blobs/uploads/abc?_state=x", "http://127.0.0.1:5000/v2/foo/blobs/uploads/",
         "http://127.0.0.1:5000/v2/foo/blobs/uploads/abc?_state=x"),
        ("https://storage.example.com/up/1?sig=a", "https://reg.example.com/v2/foo/blobs/uploads/",
         "https://storage.example.com/up/1?sig=a"),
        ("abc", "https://reg.example.com/v2/foo/blobs/uploads/", "https://reg.example.com/v2/foo/blobs/uploads/abc"),
        ("/v2/_catalog?last=b&n=2", "https://r:5000/v2/_catalog?n=2", "https://r:5000/v2/_catalog?last=b&n=2"),
    ])
    func locationResolution(location: String, base: String, expected: String) {
        #expect(RegistryURL.resolve(location, against: base) == expected)
    }

    @Test func queryIsAppendedWithTheRightSeparator() {
        #expect(RegistryURL.appendingQuery("http://h/v2/x/blobs/uploads/u", "digest", "sha256:ab")
            == "http://h/v2/x/blobs/uploads/u?digest=sha256%3Aab")
        #expect(RegistryURL.appendingQuery("http://h/u?_state=abc", "digest", "sha256:ab")
            == "http://h/u?_state=abc&digest=sha256%3Aab")
        #expect(RegistryURL.appendingQuery("http://h/u?", "from", "a/b") == "http://h/u?from=a%2Fb")
    }

    @Test func nextLink() {
        #expect(RegistryURL.nextLink(#"</v2/_catalog?last=b&n=2>; rel="next""#) == "/v2/_catalog?last=b&n=2")
        #expect(RegistryURL.nextLink(#"<https://r/v2/x/tags/list?n=1&last=a>;rel=next"#) == "https://r/v2/x/tags/list?n=1&last=a")
        #expect(RegistryURL.nextLink(#"</a,b>; rel="prev", </c?x=1,2>; title="p, q"; rel="next""#) == "/c?x=1,2")
        #expect(RegistryURL.nextLink(#"</a>; rel="prev""#) == nil)
        #expect(RegistryURL.nextLink("garbage") == nil)
    }

    @Test func authority() {
        #expect(RegistryURL.authority(of: "http://127.0.0.1:5000/v2/") == "127.0.0.1:5000")
        #expect(RegistryURL.authority(of: "https://Auth.Docker.io/token?x") == "auth.docker.io")
        #expect(RegistryURL.authority(of: "http://[::1]:5000/v2/") == "[::1]:5000")
        #expect(RegistryURL.authority(of: "/relative") == nil)
    }

    @Test func errorBodiesBecomeOneLine() {
        let body = Array(#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository"}]}]}"#.utf8)
        let error = RegistryError.from(status: .unauthorized, body: body, what: "pull 127.0.0.1:5000/foo")
        #expect(error.message == "pull 127.0.0.1:5000/foo: unauthorized: authentication required (HTTP 401)")
        #expect(error.code == .invalidArgument)
        let unknown = RegistryError.from(
            status: .notFound, body: Array(#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#.utf8), what: "m")
        #expect(unknown.message == "m: manifest unknown: manifest unknown (HTTP 404)")
        #expect(unknown.code == .notFound)
        let tokenServer = RegistryError.from(status: .unauthorized, body: Array(#"{"details":"incorrect username or password"}"#.utf8), what: "t")
        #expect(tokenServer.message == "t: unauthorized: incorrect username or password (HTTP 401)")
        let bare = RegistryError.from(status: .badGateway, body: Array("<html>\n</html>".utf8), what: "x")
        #expect(bare.message == "x: bad gateway (HTTP 502)")
    }

    @Test func rangeStart() {
        #expect(RegistryClient.rangeStart("bytes 100-199/200") == 100)
        #expect(RegistryClient.rangeStart("bytes */200") == nil)
        #expect(RegistryClient.rangeStart(nil) == nil)
    }

    /// An error that describes itself the way NIO's nested socket errors do.
    struct WordyError: Error, CustomStringConvertible {
        let description: String
    }

    @Test("transport failures read as docker's plain words: connection refused, no such host")
    func transportWords() {
        let refused = WordyError(description: "connection reset (error set): Connection refused) (errno: 111)")
        #expect(RegistryError.describeTransport(refused) == "connection refused")
        let dns = WordyError(description: "DNS error: SocketAddressError.UnknownHost: Name or service not known (error -2) for host registry-1.docker.io, port 443")
        #expect(RegistryError.describeTransport(dns) == "no such host registry-1.docker.io")
        let untrusted = WordyError(description: "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /x/handshake.cc:320]))")
        #expect(RegistryError.describeTransport(untrusted).hasPrefix("TLS: the registry's certificate is not trusted"))
        let other = WordyError(description: "read timed out:\nafter 300 s")
        #expect(!RegistryError.describeTransport(other).contains("\n"))
    }
}
