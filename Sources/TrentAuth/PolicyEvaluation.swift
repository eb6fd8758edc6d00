public import Foundation

/// What a policy decision is about: who, which action, which resource, and the condition keys
/// of the request (lower-case names; multi-valued keys carry several values).
public struct AuthorizationRequest: Sendable {
    public var principal: Principal
    /// `kms:Encrypt`, …
    public var action: String
    /// The key's ARN, an alias ARN, or `*` for actions without a resource.
    public var resource: String
    public var context: [String: [String]]

    public init(principal: Principal, action: String, resource: String, context: [String: [String]]) {
        self.principal = principal
        self.action = action
        self.resource = resource
        var lowered: [String: [String]] = [:]
        for (key, values) in context { lowered[key.lowercased(), default: []] += values }
        self.context = lowered
    }
}

/// The outcome of one policy for one request.
public struct PolicyOutcome: Sendable, Equatable {
    /// An applicable Deny statement.
    public var denies = false
    /// An Allow statement naming the caller itself (its ARN, its role, or anyone).
    public var allowsDirectly = false
    /// An Allow statement naming the caller's account: delegates to the caller's identity policies.
    public var allowsAccount = false
    /// An Allow statement in an identity policy (no Principal element).
    public var allowsIdentity = false

    public var allows: Bool { allowsDirectly || allowsAccount || allowsIdentity }
}

extension PolicyDocument {
    /// Evaluates every statement against the request.
    public func evaluate(_ request: AuthorizationRequest) -> PolicyOutcome {
        var outcome = PolicyOutcome()
        for statement in statements {
            guard statement.matchesAction(request.action), statement.matchesResource(request.resource),
                  statement.conditions.allSatisfy({ $0.holds(in: request.context) })
            else { continue }
            let match = statement.principalMatch(request.principal)
            switch (statement.effect, match) {
            case (_, .none): continue
            case (.deny, _): outcome.denies = true
            case (.allow, .direct): outcome.allowsDirectly = true
            case (.allow, .account): outcome.allowsAccount = true
            case (.allow, .identity): outcome.allowsIdentity = true
            }
        }
        return outcome
    }
}

extension PolicyDocument.Statement {
    enum PrincipalMatch { case none, direct, account, identity }

    func principalMatch(_ caller: Principal) -> PrincipalMatch {
        if let notPrincipal {
            return Self.match(notPrincipal, caller) == .none ? .direct : .none
        }
        guard let named = principal else { return .identity }
        return Self.match(named, caller)
    }

    private static func match(_ principals: PolicyDocument.Principals, _ caller: Principal) -> PrincipalMatch {
        switch principals {
        case .anyone: return .direct
        case .other: return .none
        case .aws(let names):
            var best = PrincipalMatch.none
            let arn = caller.arn, policyARN = caller.policyARN
            for name in names {
                if name == arn || name == policyARN { return .direct }
                if name == caller.account || isRootARN(name, of: caller.account) {
                    best = caller.kind == .root ? .direct : .account
                }
            }
            return best
        }
    }

    /// Whether `name` is `arn:aws:iam::<account>:root`, without building that text: its bytes are
    /// compared in place (through `utf8`'s reversed view and offsets this took 3,000 instructions
    /// on every authorized call).
    private static func isRootARN(_ name: String, of account: String) -> Bool {
        let prefix = Self.rootPrefix, suffix = Self.rootSuffix
        var name = name, account = account
        return name.withUTF8 { name in
            account.withUTF8 { account in
                guard name.count == prefix.count + account.count + suffix.count else { return false }
                return name[..<prefix.count].elementsEqual(prefix)
                    && name[prefix.count..<(prefix.count + account.count)].elementsEqual(account)
                    && name[(name.count - suffix.count)...].elementsEqual(suffix)
            }
        }
    }

    private static var rootPrefix: UnsafeBufferPointer<UInt8> { bytes("arn:aws:iam::") }
    private static var rootSuffix: UnsafeBufferPointer<UInt8> { bytes(":root") }

    private static func bytes(_ text: StaticString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }

    func matchesAction(_ action: String) -> Bool {
        if let actions { return actions.contains { Wildcard.matches($0, action, caseInsensitive: true) } }
        return !(notActions ?? []).contains { Wildcard.matches($0, action, caseInsensitive: true) }
    }

    func matchesResource(_ resource: String) -> Bool {
        if let resources { return resources.contains { Wildcard.matches($0, resource, caseInsensitive: false) } }
        return !(notResources ?? []).contains { Wildcard.matches($0, resource, caseInsensitive: false) }
    }
}

extension PolicyDocument.Condition {
    private var negated: Bool {
        ["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"].contains(base)
    }

    /// IAM's semantics: any condition value may match (OR); a missing key fails positive
    /// operators and passes negated ones and `…IfExists`; `ForAllValues` holds for an empty set.
    func holds(in context: [String: [String]]) -> Bool {
        let present = context[key]
        if base == "Null" {
            let wantsAbsent = values.contains { $0.lowercased() == "true" }
            return (present == nil || present!.isEmpty) == wantsAbsent
        }
        guard let requestValues = present, !requestValues.isEmpty else {
            if set == .forAllValues { return true }
            return ifExists || negated
        }
        switch set {
        case .forAllValues: return requestValues.allSatisfy { holdsFor($0) }
        case .forAnyValue, .none: return negated ? requestValues.allSatisfy { holdsFor($0) } : requestValues.contains { holdsFor($0) }
        }
    }

    /// One request value against the condition's values.
    private func holdsFor(_ value: String) -> Bool {
        switch base {
        case "StringEquals": values.contains(value)
        case "StringNotEquals": !values.contains(value)
        case "StringEqualsIgnoreCase": values.contains { $0.lowercased() == value.lowercased() }
        case "StringNotEqualsIgnoreCase": !values.contains { $0.lowercased() == value.lowercased() }
        case "StringLike", "ArnLike": values.contains { Wildcard.matches($0, value, caseInsensitive: false) }
        case "StringNotLike", "ArnNotLike": !values.contains { Wildcard.matches($0, value, caseInsensitive: false) }
        case "ArnEquals": values.contains(value)
        case "ArnNotEquals": !values.contains(value)
        case "Bool": values.contains { $0.lowercased() == value.lowercased() }
        case "BinaryEquals": values.contains(value)
        case "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
            compare(value, as: { Double($0) })
        case "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals":
            compare(value, as: Self.date)
        case "IpAddress": values.contains { CIDR.contains($0, value) }
        case "NotIpAddress": !values.contains { CIDR.contains($0, value) }
        default: false
        }
    }

    private func compare(_ value: String, as parse: (String) -> Double?) -> Bool {
        guard let lhs = parse(value) else { return false }
        let rhs = values.compactMap(parse)
        return switch base {
        case "NumericEquals", "DateEquals": rhs.contains(lhs)
        case "NumericNotEquals", "DateNotEquals": !rhs.contains(lhs)
        case "NumericLessThan", "DateLessThan": rhs.contains { lhs < $0 }
        case "NumericLessThanEquals", "DateLessThanEquals": rhs.contains { lhs <= $0 }
        case "NumericGreaterThan", "DateGreaterThan": rhs.contains { lhs > $0 }
        default: rhs.contains { lhs >= $0 }
        }
    }

    /// ISO 8601 or epoch seconds, as seconds since 1970.
    static func date(_ text: String) -> Double? {
        if let epoch = Double(text) { return epoch }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}

/// IAM wildcards: `*` any run of characters, `?` one character.
enum Wildcard {
    /// `*` any run of characters, `?` any one character. Every call checks a few of these (the
    /// default key policy's `kms:*` on `*`), so the common cases skip building character arrays.
    static func matches(_ pattern: String, _ text: String, caseInsensitive: Bool) -> Bool {
        if pattern == "*" { return true }
        var (pattern, text) = (pattern, text)
        // ASCII: over the strings' own bytes, folding case as it compares.
        let ascii: Bool? = pattern.withUTF8 { p in
            text.withUTF8 { t in
                guard p.allSatisfy(isPlainASCII), t.allSatisfy(isPlainASCII) else { return nil }
                return caseInsensitive ? matches(FoldedBytes(bytes: p), FoldedBytes(bytes: t), star: UInt8(ascii: "*"), one: UInt8(ascii: "?"))
                    : matches(p, t, star: UInt8(ascii: "*"), one: UInt8(ascii: "?"))
            }
        }
        if let ascii { return ascii }
        return matches(Array(caseInsensitive ? pattern.lowercased() : pattern), Array(caseInsensitive ? text.lowercased() : text), star: Character("*"), one: Character("?"))
    }

    /// ASCII without CR (CR LF is one character, two bytes): a byte is a character.
    private static func isPlainASCII(_ byte: UInt8) -> Bool { byte < 0x80 && byte != 0x0D }

    /// ASCII bytes read in lower case.
    private struct FoldedBytes: RandomAccessCollection {
        let bytes: UnsafeBufferPointer<UInt8>
        var startIndex: Int { 0 }
        var endIndex: Int { bytes.count }
        subscript(position: Int) -> UInt8 {
            let byte = bytes[position]
            return byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
        }
    }

    private static func matches<Element: Equatable, Bytes: RandomAccessCollection<Element>>(_ p: Bytes, _ t: Bytes, star wildcard: Element, one: Element) -> Bool
    where Bytes.Index == Int {
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == one || p[pi] == t[ti] { pi += 1; ti += 1 }
            else if pi < p.count, p[pi] == wildcard { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == wildcard { pi += 1 }
        return pi == p.count
    }
}

/// IPv4 CIDR blocks (`203.0.113.0/24`) and single addresses; IPv6 compared literally.
enum CIDR {
    static func contains(_ block: String, _ address: String) -> Bool {
        let parts = block.split(separator: "/", maxSplits: 1)
        guard let network = ipv4(String(parts[0])), let host = ipv4(address) else { return block == address }
        let bits = parts.count > 1 ? Int(parts[1]) ?? 32 : 32
        guard (0...32).contains(bits) else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return network & mask == host & mask
    }

    private static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        return octets.reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// AWS's decision for a KMS request: explicit deny wins; then the key policy (directly, or for
/// the caller's account together with the caller's identity policies), or a grant, must allow.
public enum AccessDecision: Sendable, Equatable {
    case allowed
    case deniedExplicitly(inKeyPolicy: Bool)
    case notAllowed(byKeyPolicy: Bool)

    /// AWS's AccessDeniedException message.
    public func message(_ request: AuthorizationRequest) -> String {
        let prefix = "User: \(request.principal.arn) is not authorized to perform: \(request.action) on resource: \(request.resource)"
        return switch self {
        case .allowed: ""
        case .deniedExplicitly(let inKeyPolicy): "\(prefix) with an explicit deny in \(inKeyPolicy ? "a resource-based" : "an identity-based") policy"
        case .notAllowed(let byKeyPolicy): "\(prefix) because no \(byKeyPolicy ? "resource-based" : "identity-based") policy allows the \(request.action) action"
        }
    }

    /// `keyPolicy` nil: an action without a key (CreateKey, ListKeys, …), decided by IAM alone.
    /// `keyAccount`: the account that owns the key. `grantAllows`: a grant covers the request.
    public static func decide(
        _ request: AuthorizationRequest, keyPolicy: PolicyDocument?, keyAccount: String?,
        identityPolicies: [PolicyDocument], grantAllows: Bool = false
    ) -> AccessDecision {
        let caller = request.principal
        var identity = PolicyOutcome()
        for policy in identityPolicies {
            let outcome = policy.evaluate(request)
            identity.denies = identity.denies || outcome.denies
            identity.allowsIdentity = identity.allowsIdentity || outcome.allowsIdentity
        }
        // The account root holds every IAM permission of its own account.
        let iamAllows = caller.kind == .root || identity.allowsIdentity
        guard let keyPolicy else {
            if identity.denies { return .deniedExplicitly(inKeyPolicy: false) }
            return iamAllows ? .allowed : .notAllowed(byKeyPolicy: false)
        }
        let key = keyPolicy.evaluate(request)
        if key.denies { return .deniedExplicitly(inKeyPolicy: true) }
        if identity.denies { return .deniedExplicitly(inKeyPolicy: false) }
        let sameAccount = caller.account == keyAccount
        if key.allowsDirectly, sameAccount || iamAllows { return .allowed }
        if key.allowsAccount, iamAllows { return .allowed }
        if grantAllows { return .allowed }
        if key.allowsAccount, !iamAllows { return .notAllowed(byKeyPolicy: false) }
        return .notAllowed(byKeyPolicy: true)
    }
}
