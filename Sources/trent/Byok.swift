import ArgumentParser
import Crypto
import Foundation
import TrentClient
import TrentCore
import TrentCrypto
import TrentOpenSSL

/// `trent byok`: the client side of importing key material ("bring your own key") into Trent or
/// AWS KMS: parameters, wrapping with every AWS wrapping algorithm, import, verification.
struct Byok: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import your own key material into Trent or AWS KMS.",
        discussion: """
        The commands that call KMS take the AWS SDKs' configuration: AWS_ACCESS_KEY_ID, \
        AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or a profile (--profile, AWS_PROFILE) of \
        ~/.aws/credentials and ~/.aws/config; the region from --region, AWS_REGION, \
        AWS_DEFAULT_REGION or the profile; the endpoint from --endpoint-url (e.g. Trent's \
        http://127.0.0.1:4599), AWS_ENDPOINT_URL_KMS or AWS_ENDPOINT_URL, else AWS KMS itself; \
        certificates to trust from --ca-bundle or AWS_CA_BUNDLE, else the system's.
        """,
        subcommands: [GetParameters.self, Wrap.self, Generate.self, Import.self, Verify.self]
    )
}

/// Where and as whom to call KMS.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("endpoint-url"), help: "The KMS endpoint, e.g. http://127.0.0.1:4599 (default: AWS KMS of the region).")
    var endpointURL: String?

    @Option(help: "The region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's).")
    var region: String?

    @Option(help: "A profile of ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE, or the environment's keys).")
    var profile: String?

    @Option(name: .customLong("ca-bundle"), help: "PEM certificates to trust for HTTPS, e.g. a self-signed Trent's (default: AWS_CA_BUNDLE, else the system's).")
    var caBundle: String?

    func client() throws -> KMSClient {
        do {
            let configuration = try ClientConfiguration.resolve(profile: profile, region: region, endpoint: endpointURL, caBundle: caBundle)
            return KMSClient(endpoint: configuration.endpoint, region: configuration.region, credentials: configuration.credentials,
                             caBundle: configuration.caBundle)
        } catch let error as ClientConfigurationError {
            throw ValidationError(error.description)
        }
    }
}

/// Key material kept in a PKCS#11 token (an HSM): generated, wrapped and used there, never in plaintext outside.
struct HSMOptions: ParsableArguments {
    @Option(name: .customLong("pkcs11-module"), help: "Keep the key material in a PKCS#11 token: its module (e.g. /usr/lib/softhsm/libsofthsm2.so).")
    var module: String?

    @Option(name: .customLong("token-label"), help: "The token's label.")
    var tokenLabel: String?

    @Option(name: .customLong("pin-source"), help: "Where the token's user PIN is: env:VARIABLE or file:PATH.")
    var pinSource: String?

    @Option(name: .customLong("key-label"), help: "The label of the key material in the token.")
    var keyLabel: String?

    var used: Bool { module != nil }

    /// A session and the key's label; nil without --pkcs11-module.
    func session() throws -> (PKCS11Session, String)? {
        guard let module else {
            if tokenLabel != nil || keyLabel != nil || pinSource != nil { throw ValidationError("--token-label, --pin-source and --key-label go with --pkcs11-module") }
            return nil
        }
        guard let tokenLabel, let pinSource, let keyLabel else {
            throw ValidationError("--pkcs11-module needs --token-label, --pin-source and --key-label")
        }
        let pin = try PINSource.read(pinSource, option: "--pin-source")
        do { return (try PKCS11Session(module: module, tokenLabel: tokenLabel, pin: pin), keyLabel) } catch let failure as CryptoFailure {
            throw ByokError(failure.reason)
        }
    }
}

/// The material to import: from a file, or a key in a PKCS#11 token.
enum MaterialSource {
    case file(KeyMaterialFile)
    case token(PKCS11Session, label: String)

    static func resolve(file: String?, hsm: HSMOptions) throws -> MaterialSource {
        switch (file, try hsm.session()) {
        case (let path?, nil): return .file(try WrapRules.material(path))
        case (nil, let (session, label)?): return .token(session, label: label)
        default: throw ValidationError("give either --key-material or --pkcs11-module with its --key-label")
        }
    }

    /// Wraps for KMS: in memory, or inside the token.
    func wrap(publicKeyDER: Data, algorithm: WrappingAlgorithm, keySpec: String?) throws -> Data {
        switch self {
        case .file(let material):
            try WrapRules.check(material, algorithm: algorithm, publicKeyDER: publicKeyDER, keySpec: keySpec)
            return try KeyMaterialWrapper.wrap(material.bytes, publicKeyDER: publicKeyDER, algorithm: algorithm)
        case .token(let session, let label):
            if let asymmetric = keySpec.flatMap({ KeySpec(rawValue: $0)?.asymmetric }), !PKCS11Session.supportsKeyPair(asymmetric) {
                throw ByokError("\(asymmetric.rawValue) key material is not kept in a PKCS#11 token by Trent (RSA and ECC key pairs are)")
            }
            do { return try session.wrapForKMS(label: label, publicKeyDER: publicKeyDER, algorithm: algorithm) } catch let failure as CryptoFailure {
                throw ByokError(failure.reason)
            }
        }
    }
}

/// Refusals of the byok commands: a message a person can act on.
struct ByokError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum ByokFiles {
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ByokError("cannot read \(path)") }
        return [UInt8](data)
    }

    /// Writes `data`; secrets (key material) with mode 0600, never over an existing file.
    static func write(_ data: Data, to path: String, secret: Bool = false) throws {
        if secret {
            guard !FileManager.default.fileExists(atPath: path) else { throw ByokError("\(path) exists; key material is never overwritten") }
            guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw ByokError("cannot write \(path)")
            }
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw ByokError("cannot write \(path)") }
    }

    static func base64(_ object: [String: Any], _ field: String) throws -> Data {
        guard let text = object[field] as? String, let data = Data(base64Encoded: text) else { throw ByokError("the KMS answer has no \(field)") }
        return data
    }
}

/// The rules AWS applies to wrapped key material, checked before anything is sent.
enum WrapRules {
    static func check(_ material: KeyMaterialFile, algorithm: WrappingAlgorithm, publicKeyDER: Data, keySpec: String?) throws {
        guard let wrappingKey = try? OpenSSLKey(publicKeyDER: [UInt8](publicKeyDER)), case .rsa(let bits)? = wrappingKey.kind else {
            throw ByokError("the wrapping public key is not a DER RSA public key (WrappingPublicKey.bin from get-parameters)")
        }
        if case .privateKey(_, let spec) = material {
            if spec.isRSA, !algorithm.isKeyWrap {
                throw ByokError("an RSA private key must be wrapped with RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256: it is too large for \(algorithm.rawValue), and AWS refuses it")
            }
            if spec == .eccNistP521, !algorithm.isKeyWrap, bits == 2048 {
                throw ByokError("ECC_NIST_P521 key material cannot be wrapped with \(algorithm.rawValue) under an RSA_2048 wrapping key (AWS refuses it): use RSA_3072 or RSA_4096, or an RSA_AES_KEY_WRAP algorithm")
            }
        }
        if !algorithm.isKeyWrap {
            let hashLength = algorithm == .rsaesOAEPSHA1 ? 20 : 32
            let limit = bits / 8 - 2 * hashLength - 2
            guard material.bytes.count <= limit else {
                throw ByokError("\(material.bytes.count) bytes of key material do not fit \(algorithm.rawValue) under a \(bits)-bit key (at most \(limit)): use an RSA_AES_KEY_WRAP algorithm")
            }
        }
        guard let keySpec else { return }
        guard let spec = KeySpec(rawValue: keySpec) else { throw ByokError("unknown key spec \(keySpec)") }
        switch (material, spec.asymmetric) {
        case (.raw(let bytes), nil):
            let lengths = spec.importableMaterialBytes
            guard lengths.contains(bytes.count) else {
                throw ByokError("key material for a \(keySpec) key must be \(lengths.lowerBound == lengths.upperBound ? "\(lengths.lowerBound)" : "\(lengths.lowerBound) to \(lengths.upperBound)") bytes; this file has \(bytes.count)")
            }
        case (.privateKey(_, let found), let expected?):
            guard found == expected else { throw ByokError("the file holds a \(found.rawValue) private key, not one of key spec \(keySpec)") }
        case (.raw, _?):
            throw ByokError("a \(keySpec) key takes a private key (PKCS#8, PKCS#1 or SEC 1; DER or PEM); this file is not one")
        case (.privateKey(_, let found), nil):
            throw ByokError("a \(keySpec) key takes raw key material; this file holds a \(found.rawValue) private key")
        }
    }

    static func material(_ path: String) throws -> KeyMaterialFile {
        let bytes = try ByokFiles.read(path)
        if KeyMaterialFile.isUnreadablePEM(bytes) { throw ByokError("\(path) is PEM but holds no private key this tool can read") }
        return KeyMaterialFile(bytes)
    }
}

extension Byok {
    struct GetParameters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get-parameters",
            abstract: "Download a wrapping public key and an import token (GetParametersForImport).",
            discussion: "Writes WrappingPublicKey.bin (DER), ImportToken.bin and parameters.json (key, algorithm, key spec, ParametersValidTo) into --out, as the AWS console's download does."
        )
        @OptionGroup var client: ClientOptions
        @Option(name: .customLong("key-id"), help: "The KMS key (id, ARN or alias) to import into.") var keyID: String
        @Option(name: .customLong("wrapping-algorithm"), help: "RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.") var algorithm: String
        @Option(name: .customLong("wrapping-key-spec"), help: "RSA_2048, RSA_3072 or RSA_4096.") var spec: String
        @Option(help: "The directory to write into (created if needed).") var out: String

        func run() async throws {
            let kms = try client.client()
            let answer = try await kms.call("GetParametersForImport", ["KeyId": keyID, "WrappingAlgorithm": algorithm, "WrappingKeySpec": spec])
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try ByokFiles.write(try ByokFiles.base64(answer, "PublicKey"), to: "\(out)/WrappingPublicKey.bin")
            try ByokFiles.write(try ByokFiles.base64(answer, "ImportToken"), to: "\(out)/ImportToken.bin")
            let validTo = (answer["ParametersValidTo"] as? Double).map { Date(timeIntervalSince1970: $0) } ?? Date()
            let summary: [String: Any] = [
                "KeyId": answer["KeyId"] as? String ?? keyID, "WrappingAlgorithm": algorithm, "WrappingKeySpec": spec,
                "ParametersValidTo": ISO8601DateFormatter().string(from: validTo),
            ]
            try ByokFiles.write(try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]), to: "\(out)/parameters.json")
            print("Wrote \(out)/WrappingPublicKey.bin, \(out)/ImportToken.bin and \(out)/parameters.json; the token expires at \(summary["ParametersValidTo"]!).")
        }
    }

    struct Wrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wrap key material with a wrapping public key, offline.",
            discussion: """
            Key material is raw bytes (symmetric, HMAC) or a private key (PKCS#8, PKCS#1 or SEC 1; \
            DER or PEM), which is converted to the PKCS#8 DER that KMS imports. Combinations AWS \
            refuses are refused here first: RSA private keys with RSAES_*, ECC_NIST_P521 with \
            RSAES_* under RSA_2048, material of the wrong length for --key-spec, parameters past \
            their ParametersValidTo (with --parameters).
            """
        )
        @Option(name: .customLong("public-key"), help: "WrappingPublicKey.bin (DER).") var publicKey: String
        @Option(help: "The wrapping algorithm (default: the one in --parameters).") var algorithm: String?
        @Option(name: .customLong("key-material"), help: "The key material file (or --pkcs11-module …).") var keyMaterial: String?
        @OptionGroup var hsm: HSMOptions
        @Option(name: .customLong("key-spec"), help: "The KMS key's key spec, to check the material against it.") var keySpec: String?
        @Option(help: "parameters.json from get-parameters: the algorithm and the expiry to check.") var parameters: String?
        @Option(help: "Where to write the wrapped material (e.g. EncryptedKeyMaterial.bin).") var out: String

        func run() async throws {
            var algorithmName = algorithm
            if let parameters {
                let object = (try? JSONSerialization.jsonObject(with: Data(try ByokFiles.read(parameters)))) as? [String: Any] ?? [:]
                if let validTo = (object["ParametersValidTo"] as? String).flatMap({ ISO8601DateFormatter().date(from: $0) }), validTo <= Date() {
                    throw ByokError("the import parameters in \(parameters) expired at \(object["ParametersValidTo"]!): run get-parameters again")
                }
                if let named = object["WrappingAlgorithm"] as? String {
                    if let algorithmName, algorithmName != named { throw ByokError("--algorithm \(algorithmName) differs from \(named) in \(parameters)") }
                    algorithmName = named
                }
            }
            guard let algorithmName else { throw ValidationError("give --algorithm (or --parameters)") }
            guard let wrapping = WrappingAlgorithm(rawValue: algorithmName) else {
                throw ByokError("\(algorithmName) is not a wrapping algorithm AWS accepts: RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256")
            }
            let publicKeyDER = Data(try ByokFiles.read(publicKey))
            let material = try MaterialSource.resolve(file: keyMaterial, hsm: hsm)
            let wrapped = try material.wrap(publicKeyDER: publicKeyDER, algorithm: wrapping, keySpec: keySpec)
            try ByokFiles.write(wrapped, to: out)
            print("Wrote \(out) (\(wrapped.count) bytes, \(wrapping.rawValue)).")
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate key material for a key spec, from a secure random number generator.",
            discussion: "Symmetric and HMAC specs get raw bytes; asymmetric specs a PKCS#8 DER private key. The file is written with mode 0600 and never over an existing one."
        )
        @Option(name: .customLong("key-spec"), help: "SYMMETRIC_DEFAULT, HMAC_224…512, RSA_2048…4096, ECC_NIST_P256…P521, ECC_SECG_P256K1, ECC_NIST_EDWARDS25519, ML_DSA_44/65/87.") var keySpec: String
        @Option(help: "The file to write (not with --pkcs11-module: the material stays in the token).") var out: String?
        @OptionGroup var hsm: HSMOptions

        func run() async throws {
            guard let spec = KeySpec(rawValue: keySpec) else { throw ByokError("unknown or unsupported key spec \(keySpec)") }
            if let (session, label) = try hsm.session() {
                guard out == nil else { throw ValidationError("--out does not go with --pkcs11-module: the material never leaves the token") }
                do {
                    if let asymmetric = spec.asymmetric {
                        try session.generateKeyPair(label: label, spec: asymmetric)
                    } else {
                        try session.generateSecret(label: label, forHMAC: spec.macAlgorithm != nil, length: spec.importableMaterialBytes.lowerBound)
                    }
                } catch let failure as CryptoFailure { throw ByokError(failure.reason) }
                print("Generated \(keySpec) key material in the token as '\(label)'; it leaves the token only wrapped.")
                return
            }
            guard let out else { throw ValidationError("give --out (or --pkcs11-module)") }
            let material: Data
            if let asymmetric = spec.asymmetric {
                material = try AsymmetricKey.generate(asymmetric).pkcs8DER()
            } else {
                material = SymmetricKey(size: SymmetricKeySize(bitCount: spec.importableMaterialBytes.lowerBound * 8)).withUnsafeBytes { Data($0) }
            }
            try ByokFiles.write(material, to: out, secret: true)
            print("Wrote \(out) (\(material.count) bytes of \(keySpec) key material, mode 0600).")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Get parameters, wrap in memory and import, in one step.",
            discussion: """
            Checks the material against the key's spec and ValidTo against AWS's 365-day limit \
            before calling, then prints the key's state. Material wrapped elsewhere (openssl, \
            another tool, an HSM) imports with --encrypted-key-material and --import-token \
            (from get-parameters) instead of --key-material.
            """
        )
        @OptionGroup var client: ClientOptions
        @Option(name: .customLong("key-id"), help: "The KMS key (origin EXTERNAL).") var keyID: String
        @Option(name: .customLong("key-material"), help: "The key material file (or --pkcs11-module …).") var keyMaterial: String?
        @OptionGroup var hsm: HSMOptions
        @Option(name: .customLong("encrypted-key-material"), help: "Material already wrapped (EncryptedKeyMaterial.bin), with --import-token.") var encryptedKeyMaterial: String?
        @Option(name: .customLong("import-token"), help: "The ImportToken.bin that goes with --encrypted-key-material.") var importToken: String?
        @Option(name: .customLong("valid-to"), help: "When the material expires (ISO 8601, at most 365 days ahead).") var validTo: String?
        @Option(name: .customLong("expires-in"), help: "Expiry from now: 90d, 12h, 30m.") var expiresIn: String?
        @Flag(name: .customLong("no-expiry"), help: "The material does not expire.") var noExpiry = false
        @Option(name: .customLong("wrapping-algorithm"), help: "Default: RSA_AES_KEY_WRAP_SHA_256 for RSA keys, RSAES_OAEP_SHA_256 otherwise.") var algorithm: String?
        @Option(name: .customLong("wrapping-key-spec"), help: "Default: RSA_4096.") var wrappingKeySpec: String = "RSA_4096"

        func run() async throws {
            let expiry = try Self.expiry(validTo: validTo, expiresIn: expiresIn, noExpiry: noExpiry, now: Date())
            let kms = try client.client()
            let described = try await kms.call("DescribeKey", ["KeyId": keyID])["KeyMetadata"] as? [String: Any] ?? [:]
            guard described["Origin"] as? String == "EXTERNAL" else {
                throw ByokError("\(keyID) has origin \(described["Origin"] as? String ?? "?"): key material can only be imported into a key created with origin EXTERNAL")
            }
            let keySpec = described["KeySpec"] as? String ?? "SYMMETRIC_DEFAULT"
            let wrapped: Data, token: Data, wrappingName: String
            if let encryptedKeyMaterial {
                guard let importToken, keyMaterial == nil, !hsm.used else {
                    throw ValidationError("--encrypted-key-material goes with --import-token, without --key-material or --pkcs11-module")
                }
                (wrapped, token) = (Data(try ByokFiles.read(encryptedKeyMaterial)), Data(try ByokFiles.read(importToken)))
                wrappingName = "as given"
            } else {
                guard importToken == nil else { throw ValidationError("--import-token goes with --encrypted-key-material") }
                let material = try MaterialSource.resolve(file: keyMaterial, hsm: hsm)
                // RSA private keys, and any private key in a token, need the RSA-AES key wrap.
                let asymmetric = KeySpec(rawValue: keySpec)?.asymmetric
                let defaultAlgorithm: WrappingAlgorithm = asymmetric?.isRSA == true || (asymmetric != nil && hsm.used) ? .rsaAESKeyWrapSHA256 : .rsaesOAEPSHA256
                guard let wrapping = algorithm.map({ WrappingAlgorithm(rawValue: $0) }) ?? defaultAlgorithm else {
                    throw ByokError("unknown wrapping algorithm \(algorithm ?? "")")
                }
                let parameters = try await kms.call("GetParametersForImport", [
                    "KeyId": keyID, "WrappingAlgorithm": wrapping.rawValue, "WrappingKeySpec": wrappingKeySpec,
                ])
                let publicKeyDER = try ByokFiles.base64(parameters, "PublicKey")
                wrapped = try material.wrap(publicKeyDER: publicKeyDER, algorithm: wrapping, keySpec: keySpec)
                token = try ByokFiles.base64(parameters, "ImportToken")
                wrappingName = wrapping.rawValue
            }
            var request: [String: Any] = [
                "KeyId": keyID, "ImportToken": token.base64EncodedString(),
                "EncryptedKeyMaterial": wrapped.base64EncodedString(),
                "ExpirationModel": expiry == nil ? "KEY_MATERIAL_DOES_NOT_EXPIRE" : "KEY_MATERIAL_EXPIRES",
            ]
            if let expiry { request["ValidTo"] = expiry.timeIntervalSince1970 }
            let imported = try await kms.call("ImportKeyMaterial", request)
            let after = try await kms.call("DescribeKey", ["KeyId": keyID])["KeyMetadata"] as? [String: Any] ?? [:]
            var summary: [String: Any] = [
                "KeyId": after["KeyId"] as? String ?? keyID, "KeyState": after["KeyState"] as? String ?? "?",
                "ExpirationModel": after["ExpirationModel"] as? String ?? "", "WrappingAlgorithm": wrappingName,
            ]
            if let materialID = imported["KeyMaterialId"] as? String { summary["KeyMaterialId"] = materialID }
            if let validTo = after["ValidTo"] as? Double { summary["ValidTo"] = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: validTo)) }
            print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        }

        /// nil: does not expire. Refuses a past expiry and one more than 365 days ahead.
        static func expiry(validTo: String?, expiresIn: String?, noExpiry: Bool, now: Date) throws -> Date? {
            let given = [validTo != nil, expiresIn != nil, noExpiry].filter { $0 }.count
            guard given == 1 else { throw ValidationError("give exactly one of --valid-to, --expires-in and --no-expiry") }
            if noExpiry { return nil }
            let date: Date
            if let validTo {
                guard let parsed = ISO8601DateFormatter().date(from: validTo) else { throw ValidationError("--valid-to must be ISO 8601, e.g. 2027-01-31T00:00:00Z") }
                date = parsed
            } else {
                let text = expiresIn!
                guard let unit = text.last, let amount = Double(text.dropLast()), amount > 0,
                      let seconds = ["d": 86400.0, "h": 3600.0, "m": 60.0][String(unit)]
                else { throw ValidationError("--expires-in takes a number and d, h or m: 90d, 12h, 30m") }
                date = now.addingTimeInterval(amount * seconds)
            }
            guard date > now else { throw ByokError("the expiry \(ISO8601DateFormatter().string(from: date)) is in the past") }
            guard date <= now.addingTimeInterval(365 * 86400) else {
                throw ByokError("the expiry \(ISO8601DateFormatter().string(from: date)) is more than 365 days ahead; AWS KMS refuses ValidTo beyond that")
            }
            return date
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that a KMS key holds the key material in a file, where the API allows it.",
            discussion: """
            HMAC keys: GenerateMac over a random message against a local HMAC. Asymmetric keys: \
            GetPublicKey against the local public key, and a signature by the KMS key checked \
            locally. Symmetric encryption keys: KMS offers no operation that reveals or checks \
            their material, so this says so and exits with status 3.
            """
        )
        @OptionGroup var client: ClientOptions
        @Option(name: .customLong("key-id"), help: "The KMS key.") var keyID: String
        @Option(name: .customLong("key-material"), help: "The key material file (or --pkcs11-module …).") var keyMaterial: String?
        @OptionGroup var hsm: HSMOptions

        func run() async throws {
            let kms = try client.client()
            let metadata = try await kms.call("DescribeKey", ["KeyId": keyID])["KeyMetadata"] as? [String: Any] ?? [:]
            let keySpec = metadata["KeySpec"] as? String ?? "SYMMETRIC_DEFAULT"
            guard let spec = KeySpec(rawValue: keySpec) else { throw ByokError("unknown key spec \(keySpec)") }
            let source = try MaterialSource.resolve(file: keyMaterial, hsm: hsm)
            if let mac = spec.macAlgorithm {
                let message = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
                let answer = try await kms.call("GenerateMac", ["KeyId": keyID, "Message": message.base64EncodedString(), "MacAlgorithm": mac.rawValue])
                let local: Data
                switch source {
                case .file(let material): local = mac.authenticationCode(for: message, using: SymmetricKey(data: material.bytes))
                case .token(let session, let label):
                    let bits = Int(mac.rawValue.split(separator: "_").last ?? "256") ?? 256
                    do { local = try session.hmac(label: label, digestBits: bits, message: message) } catch let failure as CryptoFailure {
                        throw ByokError(failure.reason)
                    }
                }
                try Self.report(try ByokFiles.base64(answer, "Mac") == local, keySpec: keySpec, how: "GenerateMac matches the local \(mac.rawValue)")
            } else if let asymmetric = spec.asymmetric {
                let local: AsymmetricKey
                switch source {
                case .file(let material):
                    guard case .privateKey(let der, let found) = material, found == asymmetric else {
                        throw ByokError("the file does not hold a \(keySpec) private key")
                    }
                    local = try AsymmetricKey(pkcs8DER: der, spec: asymmetric)
                case .token(let session, let label):
                    do { local = try AsymmetricKey(publicKeyDER: try session.publicKeyDER(label: label, spec: asymmetric), spec: asymmetric) } catch let failure as CryptoFailure {
                        throw ByokError(failure.reason)
                    }
                }
                let remote = try ByokFiles.base64(try await kms.call("GetPublicKey", ["KeyId": keyID]), "PublicKey")
                guard remote == (try local.publicKeyDER()) else { return try Self.report(false, keySpec: keySpec, how: "") }
                var how = "GetPublicKey matches the local public key"
                if metadata["KeyUsage"] as? String == "SIGN_VERIFY", let algorithm = SigningAlgorithm.algorithms(for: asymmetric).first {
                    let message = Data("trent byok verify".utf8)
                    let signature = try ByokFiles.base64(try await kms.call("Sign", [
                        "KeyId": keyID, "Message": message.base64EncodedString(), "SigningAlgorithm": algorithm.rawValue,
                    ]), "Signature")
                    try Self.report(try local.verify(signature, message: message, type: .raw, algorithm: algorithm), keySpec: keySpec,
                                    how: how + ", and its \(algorithm.rawValue) signature verifies locally")
                    return
                }
                try Self.report(true, keySpec: keySpec, how: how)
            } else {
                print("Cannot verify: KMS has no operation that reveals or checks the material of a \(keySpec) key. An Encrypt/Decrypt round trip shows only that the key works, not which material it holds.")
                throw ExitCode(3)
            }
        }

        static func report(_ matches: Bool, keySpec: String, how: String) throws {
            guard matches else {
                print("MISMATCH: the KMS key does not hold this \(keySpec) key material.")
                throw ExitCode(1)
            }
            print("Verified: the KMS key holds this key material (\(how)).")
        }
    }
}
