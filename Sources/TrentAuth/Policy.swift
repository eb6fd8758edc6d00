import Foundation

/// Why a policy document was refused (AWS: `MalformedPolicyDocumentException`).
public struct PolicyError: Error, Sendable, Equatable {
    public let message: String
    init(_ message: String) { self.message = message }
}

/// An IAM policy document (key policy or identity policy), parsed.
public struct PolicyDocument: Sendable, Equatable {
    public enum Effect: String, Sendable { case allow = "Allow", deny = "Deny" }

    /// The `Principal` / `NotPrincipal` element: `*`, or AWS principals (ARNs or account ids).
    public enum Principals: Sendable, Equatable {
        case anyone
        case aws([String])
        /// Service, federated or canonical-user principals: never one of Trent's callers.
        case other
    }

    public struct Condition: Sendable, Equatable {
        public enum SetOperator: Sendable { case none, forAnyValue, forAllValues }
        public var operatorName: String
        public var base: String
        public var ifExists: Bool
        public var set: SetOperator
        public var key: String
        public var values: [String]
    }

    public struct Statement: Sendable, Equatable {
        public var sid: String?
        public var effect: Effect
        public var principal: Principals?
        public var notPrincipal: Principals?
        public var actions: [String]?
        public var notActions: [String]?
        public var resources: [String]?
        public var notResources: [String]?
        public var conditions: [Condition]
    }

    public var statements: [Statement]

    public init(statements: [Statement]) {
        self.statements = statements
    }

    /// Whether any statement has a `Condition`: without one, the request's condition keys
    /// cannot change what this policy decides.
    public var hasConditions: Bool { statements.contains { !$0.conditions.isEmpty } }

    static let operators: Set<String> = [
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
        "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
    ]

    /// Parses a policy; `requirePrincipal` for resource (key) policies.
    public static func parse(_ text: String, requirePrincipal: Bool) throws(PolicyError) -> PolicyDocument {
        guard let data = text.data(using: .utf8), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PolicyError("The policy is not a valid JSON policy document.")
        }
        if let version = object["Version"] {
            guard let version = version as? String, version == "2012-10-17" || version == "2008-10-17" else {
                throw PolicyError("The policy Version must be \"2012-10-17\" or \"2008-10-17\".")
            }
        }
        let raw: [Any]
        switch object["Statement"] {
        case let list as [Any]: raw = list
        case let single as [String: Any]: raw = [single]
        default: throw PolicyError("The policy must contain a Statement.")
        }
        guard !raw.isEmpty else { throw PolicyError("The policy must contain at least one Statement.") }
        var statements: [Statement] = []
        for (index, item) in raw.enumerated() {
            guard let s = item as? [String: Any] else { throw PolicyError("Statement \(index + 1) is not a JSON object.") }
            statements.append(try statement(s, index: index + 1, requirePrincipal: requirePrincipal))
        }
        return PolicyDocument(statements: statements)
    }

    private static func statement(_ s: [String: Any], index: Int, requirePrincipal: Bool) throws(PolicyError) -> Statement {
        guard let effectName = s["Effect"] as? String, let effect = Effect(rawValue: effectName) else {
            throw PolicyError("Statement \(index) must have an Effect of \"Allow\" or \"Deny\".")
        }
        let principal = try principals(s["Principal"], index: index)
        let notPrincipal = try principals(s["NotPrincipal"], index: index)
        if requirePrincipal, principal == nil, notPrincipal == nil {
            throw PolicyError("Statement \(index) of a key policy must name a Principal.")
        }
        let actions = try strings(s["Action"], "Action", index: index), notActions = try strings(s["NotAction"], "NotAction", index: index)
        guard (actions == nil) != (notActions == nil) else {
            throw PolicyError("Statement \(index) must have exactly one of Action and NotAction.")
        }
        let resources = try strings(s["Resource"], "Resource", index: index), notResources = try strings(s["NotResource"], "NotResource", index: index)
        guard (resources == nil) != (notResources == nil) else {
            throw PolicyError("Statement \(index) must have exactly one of Resource and NotResource.")
        }
        var conditions: [Condition] = []
        if let block = s["Condition"] {
            guard let block = block as? [String: Any] else { throw PolicyError("The Condition of statement \(index) must be a JSON object.") }
            for (name, entries) in block {
                conditions += try condition(name, entries, index: index)
            }
        }
        return Statement(
            sid: s["Sid"] as? String, effect: effect, principal: principal, notPrincipal: notPrincipal, actions: actions,
            notActions: notActions, resources: resources, notResources: notResources, conditions: conditions
        )
    }

    private static func principals(_ value: Any?, index: Int) throws(PolicyError) -> Principals? {
        guard let value else { return nil }
        if let star = value as? String {
            guard star == "*" else { throw PolicyError("The Principal of statement \(index) must be \"*\" or an object such as {\"AWS\": …}.") }
            return .anyone
        }
        guard let object = value as? [String: Any], !object.isEmpty else {
            throw PolicyError("The Principal of statement \(index) must be \"*\" or an object such as {\"AWS\": …}.")
        }
        guard let aws = object["AWS"] else { return .other }
        guard let list = try strings(aws, "Principal", index: index) else { return .other }
        if list.contains("*") { return .anyone }
        for entry in list {
            let isAccount = entry.count == 12 && entry.allSatisfy { $0.isASCII && $0.isNumber }
            guard isAccount || entry.hasPrefix("arn:aws:iam::") || entry.hasPrefix("arn:aws:sts::") else {
                throw PolicyError("Policy contains a statement with one or more invalid principals.")
            }
        }
        return .aws(list)
    }

    private static func strings(_ value: Any?, _ element: String, index: Int) throws(PolicyError) -> [String]? {
        switch value {
        case nil: return nil
        case let one as String: return [one]
        case let many as [Any]:
            var out: [String] = []
            for item in many {
                guard let text = item as? String else { throw PolicyError("\(element) of statement \(index) must hold strings.") }
                out.append(text)
            }
            guard !out.isEmpty else { throw PolicyError("\(element) of statement \(index) must not be empty.") }
            return out
        default: throw PolicyError("\(element) of statement \(index) must be a string or a list of strings.")
        }
    }

    private static func condition(_ name: String, _ entries: Any, index: Int) throws(PolicyError) -> [Condition] {
        var base = name, set = Condition.SetOperator.none, ifExists = false
        if base.hasPrefix("ForAnyValue:") { set = .forAnyValue; base.removeFirst("ForAnyValue:".count) }
        else if base.hasPrefix("ForAllValues:") { set = .forAllValues; base.removeFirst("ForAllValues:".count) }
        if base.hasSuffix("IfExists") { ifExists = true; base.removeLast("IfExists".count) }
        guard operators.contains(base) else { throw PolicyError("Statement \(index) uses an unknown condition operator \(name.prefix(64)).") }
        guard let entries = entries as? [String: Any] else { throw PolicyError("Condition \(name.prefix(64)) of statement \(index) must be a JSON object.") }
        var out: [Condition] = []
        for (key, raw) in entries {
            let list: [Any] = (raw as? [Any]) ?? [raw]
            var values: [String] = []
            for item in list {
                switch item {
                case let text as String: values.append(text)
                case let number as NSNumber:
                    values.append(String(cString: number.objCType) == "c" ? (number.boolValue ? "true" : "false") : number.stringValue)
                default: throw PolicyError("Condition values of statement \(index) must be strings, numbers or booleans.")
                }
            }
            out.append(Condition(operatorName: name, base: base, ifExists: ifExists, set: set, key: key.lowercased(), values: values))
        }
        return out
    }
}
