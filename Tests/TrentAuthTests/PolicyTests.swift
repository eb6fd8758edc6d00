import Foundation
import Testing
@testable import TrentAuth

@Suite struct PolicyTests {
    let alice = Principal(kind: .user, account: "111122223333", name: "alice")
    let root = Principal.root("111122223333")
    let role = Principal(kind: .assumedRole, account: "111122223333", name: "deployer", sessionName: "ci")
    let keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    func document(_ statements: String, principal: Bool = true) throws -> PolicyDocument {
        try PolicyDocument.parse(#"{"Version":"2012-10-17","Statement":[\#(statements)]}"#, requirePrincipal: principal)
    }

    func request(_ principal: Principal, _ action: String = "kms:Encrypt", context: [String: [String]] = [:]) -> AuthorizationRequest {
        AuthorizationRequest(principal: principal, action: action, resource: keyARN, context: context)
    }

    @Test func defaultPolicyDelegatesToIAM() throws {
        let policy = try document(#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}"#)
        let iam = try document(#"{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}"#, principal: false)
        #expect(AccessDecision.decide(request(root), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: []) == .allowed)
        #expect(AccessDecision.decide(request(alice), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: []) == .notAllowed(byKeyPolicy: false))
        #expect(AccessDecision.decide(request(alice), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: [iam]) == .allowed)
        #expect(AccessDecision.decide(request(alice, "kms:Decrypt"), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: [iam]) == .notAllowed(byKeyPolicy: false))
        #expect(AccessDecision.decide(request(alice), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: [], grantAllows: true) == .allowed)
    }

    /// The account's root ARN names the account (read without building it); near misses do not.
    @Test func accountRootARNNamesTheAccount() throws {
        var parsed = 0
        for (name, names) in [
            ("arn:aws:iam::111122223333:root", true), ("111122223333", true), ("arn:aws:iam::444455556666:root", false),
            ("arn:aws:iam::11112222333:root", false), ("arn:aws:iam::1111222233334:root", false), ("arn:aws:iam::111122223333:rooty", false),
            ("arn:aws:iam::111122223333:roo", false), ("arn:aws:iam:111122223333::root", false), ("arn:aws:iam::111122223333:Root", false),
            ("xarn:aws:iam::111122223333:root", false), ("arn:aws:iam::111122223333:root ", false),
        ] {
            // Some near misses are not principals at all: the policy is refused before matching.
            guard let policy = try? document(#"{"Effect":"Allow","Principal":{"AWS":"\#(name)"},"Action":"kms:*","Resource":"*"}"#) else {
                #expect(!names, "\(name)")
                continue
            }
            parsed += 1
            let rootDecision = AccessDecision.decide(request(root), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: [])
            let aliceDecision = AccessDecision.decide(request(alice), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: [])
            #expect(rootDecision == (names ? .allowed : .notAllowed(byKeyPolicy: true)), "\(name)")
            #expect(aliceDecision == .notAllowed(byKeyPolicy: !names), "\(name)")
        }
        #expect(parsed >= 6)
    }

    @Test func principalsAndExplicitDeny() throws {
        let policy = try document("""
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/deployer"]},"Action":"kms:Gen*","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"kms:GenerateDataKeyWithoutPlaintext","Resource":"*"}
            """)
        #expect(AccessDecision.decide(request(role, "kms:GenerateDataKey"), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: []) == .allowed)
        #expect(AccessDecision.decide(request(role, "kms:GENERATEMAC"), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: []) == .allowed)
        #expect(AccessDecision.decide(request(role, "kms:GenerateDataKeyWithoutPlaintext"), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: [])
            == .deniedExplicitly(inKeyPolicy: true))
        #expect(AccessDecision.decide(request(alice, "kms:GenerateDataKey"), keyPolicy: policy, keyAccount: "111122223333", identityPolicies: [])
            == .notAllowed(byKeyPolicy: true))
    }

    @Test func conditionOperators() throws {
        func holds(_ condition: String, _ context: [String: [String]]) throws -> Bool {
            let policy = try document(#"{"Effect":"Allow","Principal":"*","Action":"kms:Encrypt","Resource":"*","Condition":\#(condition)}"#)
            return policy.evaluate(request(alice, context: context)).allows
        }
        #expect(try holds(#"{"StringEquals":{"kms:EncryptionContext:App":["a","b"]}}"#, ["kms:encryptioncontext:app": ["b"]]))
        #expect(try !holds(#"{"StringEquals":{"kms:EncryptionContext:app":"a"}}"#, [:]))
        #expect(try holds(#"{"StringNotEquals":{"kms:EncryptionContext:app":"a"}}"#, [:]))
        #expect(try holds(#"{"StringEqualsIfExists":{"kms:EncryptionContext:app":"a"}}"#, [:]))
        #expect(try holds(#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/a?ice"}}"#, ["aws:principalarn": [alice.arn]]))
        #expect(try holds(#"{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","Decrypt"]}}"#, ["kms:grantoperations": ["Decrypt"]]))
        #expect(try !holds(#"{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt"]}}"#, ["kms:grantoperations": ["Decrypt", "Encrypt"]]))
        #expect(try holds(#"{"ForAnyValue:StringEquals":{"kms:GrantOperations":["Encrypt"]}}"#, ["kms:grantoperations": ["Decrypt", "Encrypt"]]))
        #expect(try holds(#"{"NumericLessThanEquals":{"kms:ValidTo":"1900000000"}}"#, ["kms:validto": ["1800000000"]]))
        #expect(try !holds(#"{"NumericGreaterThan":{"kms:ValidTo":1900000000}}"#, ["kms:validto": ["1800000000"]]))
        #expect(try holds(#"{"Bool":{"kms:BypassPolicyLockoutSafetyCheck":false}}"#, ["kms:bypasspolicylockoutsafetycheck": ["false"]]))
        #expect(try holds(#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#, ["aws:currenttime": ["2026-11-29T00:00:00Z"]]))
        #expect(try holds(#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.1.7"]}}"#, ["aws:sourceip": ["10.20.30.40"]]))
        #expect(try !holds(#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#, ["aws:sourceip": ["11.0.0.1"]]))
        #expect(try holds(#"{"Null":{"kms:EncryptionContextKeys":"true"}}"#, [:]))
        #expect(try holds(#"{"StringEquals":{"kms:CallerAccount":"111122223333"},"StringLike":{"kms:RequestAlias":"alias/app-*"}}"#,
                          ["kms:calleraccount": ["111122223333"], "kms:requestalias": ["alias/app-1"]]))
        #expect(try !holds(#"{"StringEquals":{"kms:CallerAccount":"111122223333"},"StringLike":{"kms:RequestAlias":"alias/app-*"}}"#,
                           ["kms:calleraccount": ["111122223333"], "kms:requestalias": ["alias/other"]]))
    }

    @Test func resourcesAndNotActions() throws {
        let iam = try document("""
            {"Effect":"Allow","NotAction":["kms:ScheduleKeyDeletion","kms:Disable*"],"Resource":"arn:aws:kms:*:111122223333:key/*"}
            """, principal: false)
        #expect(iam.evaluate(request(alice, "kms:Encrypt")).allowsIdentity)
        #expect(!iam.evaluate(request(alice, "kms:DisableKey")).allowsIdentity)
        #expect(!iam.evaluate(AuthorizationRequest(principal: alice, action: "kms:Encrypt", resource: "arn:aws:kms:us-east-1:444455556666:key/x", context: [:])).allowsIdentity)
    }

    @Test(arguments: [
        "not json", "[]", #"{"Statement":[]}"#, #"{"Version":"2012-10-17"}"#,
        #"{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
        #"{"Statement":[{"Effect":"Allow","Principal":"*","Resource":"*"}]}"#,
        #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*"}]}"#,
        #"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"someone"},"Action":"kms:*","Resource":"*"}]}"#,
        #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"Approx":{"a":"b"}}}]}"#,
    ])
    func malformedKeyPolicies(text: String) {
        #expect(throws: PolicyError.self) { try PolicyDocument.parse(text, requirePrincipal: true) }
    }

    @Test func cachedParseGivesWhatParseGives() throws {
        let text = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}"#
        for _ in 0..<2 {
            #expect(try PolicyDocument.cachedParse(text, requirePrincipal: false) == PolicyDocument.parse(text, requirePrincipal: false))
            // The same text as a key policy is its own entry: key policies need a Principal.
            #expect(throws: PolicyError.self) { try PolicyDocument.cachedParse(text, requirePrincipal: true) }
            #expect(throws: PolicyError.self) { try PolicyDocument.cachedParse("not json", requirePrincipal: true) }
        }
    }

    /// More texts than the recently used entries hold, in turns: each is still what parsing it gives
    /// (found among the recent ones, in the whole cache, or parsed again), never a neighbour's.
    @Test func cachedParseKeepsTextsApartBeyondTheRecentOnes() throws {
        let texts = (0..<(3 * PolicyDocument.recentLimit)).map { index in
            #"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1111222233\#(index % 10)\#(index / 10):root"},"Action":"kms:Encrypt","Resource":"*"}]}"#
        }
        for round in 0..<3 {
            for text in round == 1 ? texts.reversed() : texts {
                // A copy with storage of its own, equal but not identical.
                let copy = String(decoding: Array(text.utf8), as: UTF8.self)
                #expect(try PolicyDocument.cachedParse(text, requirePrincipal: true) == PolicyDocument.parse(text, requirePrincipal: true))
                #expect(try PolicyDocument.cachedParse(copy, requirePrincipal: true) == PolicyDocument.parse(text, requirePrincipal: true))
                #expect(try PolicyDocument.cachedParse(text, requirePrincipal: false) == PolicyDocument.parse(text, requirePrincipal: false))
            }
        }
    }
}
