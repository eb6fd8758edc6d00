import Foundation

/// A ZIP archive of a few small files, stored uncompressed (what the console's "Download wrapping
/// key and import token" hands out).
enum Zip {
    static func archive(_ files: [(name: String, data: Data)], modified: Date = Date()) -> Data {
        var out = Data(), central = Data()
        let (time, date) = dosTime(modified)
        for (name, data) in files {
            let nameBytes = Data(name.utf8)
            let crc = crc32(data)
            let offset = UInt32(out.count)
            var local = Data()
            local.append(le32(0x0403_4B50)); local.append(le16(20)); local.append(le16(0x0800)); local.append(le16(0))
            local.append(le16(time)); local.append(le16(date)); local.append(le32(crc))
            local.append(le32(UInt32(data.count))); local.append(le32(UInt32(data.count)))
            local.append(le16(UInt16(nameBytes.count))); local.append(le16(0))
            out.append(local); out.append(nameBytes); out.append(data)
            var entry = Data()
            entry.append(le32(0x0201_4B50)); entry.append(le16(20)); entry.append(le16(20)); entry.append(le16(0x0800)); entry.append(le16(0))
            entry.append(le16(time)); entry.append(le16(date)); entry.append(le32(crc))
            entry.append(le32(UInt32(data.count))); entry.append(le32(UInt32(data.count)))
            entry.append(le16(UInt16(nameBytes.count))); entry.append(le16(0)); entry.append(le16(0)); entry.append(le16(0)); entry.append(le16(0))
            entry.append(le32(0)); entry.append(le32(offset))
            central.append(entry); central.append(nameBytes)
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        var end = Data()
        end.append(le32(0x0605_4B50)); end.append(le16(0)); end.append(le16(0))
        end.append(le16(UInt16(files.count))); end.append(le16(UInt16(files.count)))
        end.append(le32(UInt32(central.count))); end.append(le32(centralOffset)); end.append(le16(0))
        out.append(end)
        return out
    }

    private static func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xFF), UInt8(v >> 8)]) }
    private static func le32(_ v: UInt32) -> Data { Data((0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) }) }

    private static func dosTime(_ date: Date) -> (UInt16, UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let time = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        let day = UInt16(max(0, (c.year ?? 1980) - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        return (time, day)
    }

    static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func crc32(_ data: Data) -> UInt32 {
        ~data.reduce(~UInt32(0)) { table[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}

/// `multipart/form-data`, enough for the console's upload form: named fields and files.
enum Multipart {
    struct Part {
        let name: String
        let filename: String?
        let data: Data
    }

    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "boundary" { return String(pair[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }

    static func parse(_ body: Data, boundary: String) -> [Part] {
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [Part] = []
        var cursor = body.startIndex
        guard let first = body.range(of: delimiter, in: cursor..<body.endIndex) else { return [] }
        cursor = first.upperBound
        while let next = body.range(of: delimiter, in: cursor..<body.endIndex) {
            var chunk = body[cursor..<next.lowerBound]
            if chunk.starts(with: Data("\r\n".utf8)) { chunk = chunk.dropFirst(2) }
            if chunk.count >= 2, chunk.suffix(2) == Data("\r\n".utf8) { chunk = chunk.dropLast(2) }
            if let split = chunk.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: chunk[chunk.startIndex..<split.lowerBound], as: UTF8.self)
                let content = Data(chunk[split.upperBound...])
                var name: String?, filename: String?
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                    for parameter in line.split(separator: ";").dropFirst() {
                        let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                        guard pair.count == 2 else { continue }
                        let value = String(pair[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                        if pair[0] == "name" { name = value } else if pair[0] == "filename" { filename = value }
                    }
                }
                if let name { parts.append(Part(name: name, filename: filename, data: content)) }
            }
            cursor = next.upperBound
            if body[cursor...].starts(with: Data("--".utf8)) { break }
        }
        return parts
    }
}
