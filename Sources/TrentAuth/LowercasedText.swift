extension String {
    /// `lowercased()`, with ASCII text (header names, key ids) lower-cased byte by byte and left
    /// as it is when it has no capital: `lowercased()` goes through Unicode's case mapping and
    /// always makes a new string.
    public var lowercasedASCIIFirst: String {
        var text = self
        let ascii = text.withUTF8 { bytes -> String? in
            var capitals = false
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                if byte &- UInt8(ascii: "A") < 26 { capitals = true }
            }
            guard capitals else { return self }
            return String(unsafeUninitializedCapacity: bytes.count) { out in
                for index in bytes.indices {
                    out[index] = bytes[index] &- UInt8(ascii: "A") < 26 ? bytes[index] | 0x20 : bytes[index]
                }
                return bytes.count
            }
        }
        return ascii ?? lowercased()
    }
}

extension StringProtocol {
    /// `String(prefix(maxLength))`, without walking the characters when the text has no more
    /// UTF-8 bytes than that (then it has no more characters either): the usual case of a cap
    /// on a length.
    public func capped(_ maxLength: Int) -> String {
        utf8.count <= maxLength ? String(self) : String(prefix(maxLength))
    }
}
