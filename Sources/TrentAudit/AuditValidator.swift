public import Foundation
import Crypto
import TrentCrypto

/// Checks an audit directory the way `aws cloudtrail validate-logs` checks a trail: every digest
/// signed by a published key, each digest linked to the one before it, every log file present
/// and unchanged, and no log file that no digest lists. Needs only the files.
public struct AuditValidator: Sendable {
    public struct Report: Sendable {
        public var problems: [String] = []
        public var digestsChecked = 0
        public var logFilesChecked = 0
        public var isValid: Bool { problems.isEmpty }
    }

    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    struct Digest {
        let name: String
        let bytes: Data
        let json: [String: Any]
        var endTime: String { json["digestEndTime"] as? String ?? "" }
        var scope: String { "\(json["awsAccountId"] as? String ?? "?")|\((name as NSString).pathComponents.dropFirst(3).first ?? "?")" }
    }

    /// Digests in chain order: from each chain's first digest, the digest that links to the one
    /// before. (Several digests can end in the same second, so time alone cannot order them.)
    /// Digests off every chain — linking to a missing or another digest — follow in time order,
    /// where the checks report them.
    static func chainOrder(_ digests: [Digest]) -> [Digest] {
        let byTime = digests.sorted { ($0.endTime, $0.name) < ($1.endTime, $1.name) }
        var linkingTo: [String: [Digest]] = [:]
        for digest in byTime {
            if let previous = digest.json["previousDigestS3Object"] as? String { linkingTo[previous, default: []].append(digest) }
        }
        var ordered: [Digest] = []
        var placed = Set<String>()
        for start in byTime where start.json["previousDigestS3Object"] as? String == nil {
            var current: Digest? = start
            while let digest = current, placed.insert(digest.name).inserted {
                ordered.append(digest)
                current = linkingTo[digest.name]?.first { !placed.contains($0.name) }
            }
        }
        return ordered + byTime.filter { !placed.contains($0.name) }
    }

    public func validate(from: Date? = nil, to: Date? = nil) -> Report {
        var report = Report()
        let files = allFiles()
        var digests: [Digest] = []
        for name in files where name.contains("/CloudTrail-Digest/") && name.hasSuffix(".json.gz") {
            guard let bytes = FileManager.default.contents(atPath: "\(directory)/\(name)"),
                  let plain = try? Gzip.decompress(bytes),
                  let json = (try? JSONSerialization.jsonObject(with: plain)) as? [String: Any]
            else {
                report.problems.append("Digest file \(name) is invalid: it is not a gzip'd JSON digest.")
                continue
            }
            digests.append(Digest(name: name, bytes: bytes, json: json))
        }
        digests = Self.chainOrder(digests)
        let iso = ISO8601DateFormatter()
        func inRange(_ d: Digest) -> Bool {
            guard let end = iso.date(from: d.endTime) else { return true }
            if let from, end < from { return false }
            if let to, end > to { return false }
            return true
        }

        var listed = Set<String>()
        var previousByScope: [String: Digest] = [:]
        for digest in digests {
            defer { previousByScope[digest.scope] = digest }
            for entry in digest.json["logFiles"] as? [[String: Any]] ?? [] {
                if let object = entry["s3Object"] as? String { listed.insert(object) }
            }
            guard inRange(digest) else { continue }
            report.digestsChecked += 1
            let sha = KeyMaterialID.hex(Array(SHA256.hash(data: digest.bytes)))

            // Signature by a published key over CloudTrail's signing string.
            let previousSignature = digest.json["previousDigestSignature"] as? String
            let signingString = AuditLogFiles.signingString(
                endTime: digest.endTime, object: digest.json["digestS3Object"] as? String ?? "", digestSHA256: sha,
                previousSignature: previousSignature
            )
            if digest.json["digestS3Object"] as? String != digest.name {
                report.problems.append("Digest file \(digest.name) is invalid: it names itself \(digest.json["digestS3Object"] as? String ?? "nothing") (moved or forged).")
            }
            if let signatureHex = try? String(contentsOfFile: "\(directory)/\(digest.name).sig", encoding: .utf8),
               let signature = KeyMaterialID.bytes(fromHex: signatureHex.trimmingCharacters(in: .whitespacesAndNewlines)) {
                let fingerprint = digest.json["digestPublicKeyFingerprint"] as? String ?? ""
                if let publicDER = FileManager.default.contents(atPath: "\(directory)/public-keys/\(fingerprint).der"),
                   let key = try? AsymmetricKey(publicKeyDER: publicDER, spec: .rsa2048) {
                    let valid = (try? key.verify(Data(signature), message: Data(signingString.utf8), type: .raw, algorithm: .rsassaPKCS1SHA256)) ?? false
                    if !valid { report.problems.append("Digest file \(digest.name) is invalid: signature verification failed (changed or forged).") }
                } else {
                    report.problems.append("Digest file \(digest.name) is invalid: public key \(fingerprint) is not published.")
                }
            } else {
                report.problems.append("Digest file \(digest.name) is invalid: its signature file is missing.")
            }

            // The chain: each digest names the one before it by hash.
            let previous = previousByScope[digest.scope]
            let expectedPrevious = digest.json["previousDigestS3Object"] as? String
            switch (expectedPrevious, previous) {
            case (nil, nil): break
            case (nil, let previous?):
                report.problems.append("Digest file \(digest.name) is invalid: it starts a chain although \(previous.name) precedes it (inserted or reordered).")
            case (let expected?, nil):
                report.problems.append("Digest file \(expected) is missing: \(digest.name) links to it.")
            case (let expected?, let previous?):
                if expected != previous.name {
                    report.problems.append("Digest file \(expected) is missing or out of order: \(digest.name) links to it, but \(previous.name) precedes it.")
                } else if digest.json["previousDigestHashValue"] as? String != KeyMaterialID.hex(Array(SHA256.hash(data: previous.bytes))) {
                    report.problems.append("Digest file \(previous.name) is invalid: its hash does not match the link from \(digest.name) (changed).")
                }
            }

            // The log files it lists.
            for entry in digest.json["logFiles"] as? [[String: Any]] ?? [] {
                guard let object = entry["s3Object"] as? String else { continue }
                report.logFilesChecked += 1
                guard let bytes = FileManager.default.contents(atPath: "\(directory)/\(object)") else {
                    report.problems.append("Log file \(object) is missing (listed in \(digest.name)).")
                    continue
                }
                if KeyMaterialID.hex(Array(SHA256.hash(data: bytes))) != entry["hashValue"] as? String {
                    report.problems.append("Log file \(object) is invalid: its hash does not match \(digest.name) (changed).")
                }
            }
        }
        for name in files where name.contains("/CloudTrail/") && name.hasSuffix(".json.gz") && !listed.contains(name) {
            report.problems.append("Log file \(name) is not listed in any digest (inserted or forged).")
        }
        return report
    }

    private func allFiles() -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { $0.hasPrefix("AWSLogs/") }.sorted()
    }
}
