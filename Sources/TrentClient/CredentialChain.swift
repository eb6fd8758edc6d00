public import Foundation
public import TrentAuth

/// The AWS SDKs' configuration chain, the parts a command-line tool needs: credentials from the
/// environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) or from the
/// profile (`--profile`, else `AWS_PROFILE`, else `default`) in `~/.aws/credentials` and
/// `~/.aws/config` (or `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`); the region from
/// `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile.
public struct ClientConfiguration: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var endpoint: URL
    /// Certificates to trust (`--ca-bundle`, `AWS_CA_BUNDLE`, or the profile's `ca_bundle`).
    public var caBundle: String?

    public static func resolve(
        profile: String?, region: String?, endpoint: String?, caBundle: String? = nil,
        environment env: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClientConfiguration {
        let home = env["HOME"] ?? NSHomeDirectory()
        let name = profile ?? env["AWS_PROFILE"] ?? "default"
        let credentialsFile = INIFile(path: env["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials")
        let configFile = INIFile(path: env["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config")
        let fromCredentials = credentialsFile.sections[name] ?? [:]
        let fromConfig = configFile.sections[name == "default" ? "default" : "profile \(name)"] ?? [:]
        let profileValues = fromConfig.merging(fromCredentials) { _, credentials in credentials }
        if profile != nil, profileValues.isEmpty {
            throw ClientConfigurationError("the profile '\(name)' is in neither \(credentialsFile.path) nor \(configFile.path)")
        }

        let credentials: AWSCredentials
        if profile == nil, let id = env["AWS_ACCESS_KEY_ID"], let secret = env["AWS_SECRET_ACCESS_KEY"] {
            credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"])
        } else if let id = profileValues["aws_access_key_id"], let secret = profileValues["aws_secret_access_key"] {
            credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: profileValues["aws_session_token"])
        } else {
            throw ClientConfigurationError("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile of \(credentialsFile.path)")
        }
        guard let region = region ?? env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? profileValues["region"] else {
            throw ClientConfigurationError("no region: give --region, or set AWS_REGION or a profile's region")
        }
        let endpointText = endpoint ?? env["AWS_ENDPOINT_URL_KMS"] ?? env["AWS_ENDPOINT_URL"] ?? profileValues["endpoint_url"]
        let url: URL
        if let endpointText {
            guard let parsed = URL(string: endpointText), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
                throw ClientConfigurationError("the endpoint URL '\(endpointText)' is not an http(s) URL")
            }
            url = parsed
        } else {
            url = KMSClient.awsEndpoint(region: region)
        }
        let bundle = caBundle ?? env["AWS_CA_BUNDLE"] ?? profileValues["ca_bundle"]
        if let bundle, !FileManager.default.isReadableFile(atPath: bundle) { throw ClientConfigurationError("cannot read the CA bundle \(bundle)") }
        return ClientConfiguration(credentials: credentials, region: region, endpoint: url, caBundle: bundle)
    }
}

public struct ClientConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The AWS shared config/credentials file format: `[section]` headers, `key = value` lines, `#`/`;` comments.
struct INIFile {
    let path: String
    let sections: [String: [String: String]]

    init(path: String) {
        self.path = path
        var sections: [String: [String: String]] = [:]
        var current: String?
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if let current, sections[current] == nil { sections[current] = [:] }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current]?[key] = value
        }
        self.sections = sections
    }
}
