/// A parsed `KeyId` parameter: AWS accepts a key id, a key ARN, an alias name or an alias ARN,
/// depending on the operation.
public enum KeyReference: Sendable, Equatable {
    case keyID(String)
    case keyARN(region: String, account: String, keyID: String)
    case aliasName(String)
    case aliasARN(region: String, account: String, aliasName: String)

    /// Parses `raw` without judging whether the id is well formed; see `isWellFormedKeyID`.
    public init(parsing raw: String) {
        if raw.hasPrefix("arn:") {
            let parts = raw.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 6, parts[2] == "kms" {
                let resource = parts[5]
                if resource.hasPrefix("key/") {
                    self = .keyARN(region: parts[3], account: parts[4], keyID: String(resource.dropFirst(4)))
                    return
                }
                if resource.hasPrefix("alias/") {
                    self = .aliasARN(region: parts[3], account: parts[4], aliasName: resource)
                    return
                }
            }
            self = .keyID(raw)
        } else if raw.hasPrefix("alias/") {
            self = .aliasName(raw)
        } else {
            self = .keyID(raw)
        }
    }

    /// A key id as KMS makes them: a canonical UUID, or `mrk-` and 32 hex digits (multi-Region).
    public static func isWellFormedKeyID(_ id: String) -> Bool {
        func isHex(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46) }
        var id = id
        return id.withUTF8 { bytes in
            guard bytes.count == 36 else { return false }
            if bytes[0] == UInt8(ascii: "m"), bytes[1] == UInt8(ascii: "r"), bytes[2] == UInt8(ascii: "k"), bytes[3] == UInt8(ascii: "-") {
                return bytes[4...].allSatisfy(isHex)
            }
            for (index, byte) in bytes.enumerated() {
                switch index {
                case 8, 13, 18, 23: if byte != UInt8(ascii: "-") { return false }
                default: if !isHex(byte) { return false }
                }
            }
            return true
        }
    }
}

/// Builds the ARNs KMS shows.
public enum ARN {
    /// Written in one allocation of its exact length (three per call: authorization, answer and
    /// audit record; interpolation took over 1 % of a Decrypt).
    public static func key(region: String, account: String, keyID: String) -> String {
        var (region, account, keyID) = (region, account, keyID)
        return region.withUTF8 { r in
            account.withUTF8 { a in
                keyID.withUTF8 { k in
                    let prefix: StaticString = "arn:aws:kms:", middle: StaticString = ":key/"
                    let length = prefix.utf8CodeUnitCount + r.count + 1 + a.count + middle.utf8CodeUnitCount + k.count
                    return String(unsafeUninitializedCapacity: length) { out in
                        var o = 0
                        func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                            for byte in bytes {
                                out[o] = byte
                                o += 1
                            }
                        }
                        put(UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
                        put(r)
                        out[o] = UInt8(ascii: ":")
                        o += 1
                        put(a)
                        put(UnsafeBufferPointer(start: middle.utf8Start, count: middle.utf8CodeUnitCount))
                        put(k)
                        return o
                    }
                }
            }
        }
    }

    public static func alias(region: String, account: String, aliasName: String) -> String {
        "arn:aws:kms:\(region):\(account):\(aliasName)"
    }
}
