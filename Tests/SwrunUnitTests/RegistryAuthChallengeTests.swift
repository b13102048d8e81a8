import Testing
@testable import SwrunRegistry

@Suite("Registry WWW-Authenticate parsing")
struct RegistryAuthChallengeTests {
    @Test func bearerWithAllParameters() {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#
        let challenges = AuthChallenge.parse(header)
        #expect(challenges == [AuthChallenge(scheme: "bearer", parameters: [
            "realm": "https://auth.docker.io/token",
            "service": "registry.docker.io",
            "scope": "repository:library/busybox:pull",
        ])])
    }

    @Test func commasInsideQuotedValuesStayInTheValue() {
        let header = #"Bearer realm="https://r.example/token",scope="repository:a/b:pull,push",service="r.example""#
        let challenge = AuthChallenge.parse(header).first
        #expect(challenge?.parameters["scope"] == "repository:a/b:pull,push")
        #expect(challenge?.parameters["service"] == "r.example")
    }

    @Test func spacesEscapesAndCaseAreNormalised() {
        let header = #"BEARER  Realm = "https://x/t" , Error="insufficient_scope", detail="say \"hi\"""#
        let challenge = AuthChallenge.parse(header).first
        #expect(challenge?.scheme == "bearer")
        #expect(challenge?.realm == "https://x/t")
        #expect(challenge?.parameters["error"] == "insufficient_scope")
        #expect(challenge?.parameters["detail"] == #"say "hi""#)
    }

    @Test func basicWithUnquotedRealm() {
        #expect(AuthChallenge.parse("Basic realm=test") == [AuthChallenge(scheme: "basic", parameters: ["realm": "test"])])
        #expect(AuthChallenge.parse(#"Basic realm="Registry Realm""#).first?.realm == "Registry Realm")
        #expect(AuthChallenge.parse("Basic") == [AuthChallenge(scheme: "basic")])
    }

    @Test func severalChallengesInOneHeader() {
        let header = #"Basic realm="a, b", Bearer realm="https://t/token",service="s""#
        let challenges = AuthChallenge.parse(header)
        #expect(challenges.map(\.scheme) == ["basic", "bearer"])
        #expect(challenges.first?.realm == "a, b")
        #expect(challenges.last?.parameters["service"] == "s")
    }

    @Test func bearerIsPreferredOverBasicAcrossHeaders() {
        let chosen = AuthChallenge.preferred(from: [#"Basic realm="x""#, #"Bearer realm="https://t""#])
        #expect(chosen?.scheme == "bearer")
        #expect(AuthChallenge.preferred(from: [#"Negotiate abc"#, #"Basic realm="x""#])?.scheme == "basic")
        #expect(AuthChallenge.preferred(from: ["Negotiate"]) == nil)
        #expect(AuthChallenge.preferred(from: []) == nil)
    }

    @Test func garbageDoesNotCrash() {
        for header in ["", ",,,", "=", #"Bearer realm=""#, #"Bearer realm="unterminated"#, "\"\"\"", "Bearer ,=,"] {
            _ = AuthChallenge.parse(header)
        }
        #expect(AuthChallenge.parse(#"Bearer realm="unterminated"#).first?.realm == "unterminated")
    }
}
