import Foundation
import TrentSync

extension PolicyDocument {
    /// `parse`, remembered: every request is authorized against the key's policy and the caller's
    /// identity policies, which change rarely, and parsing their JSON costs more than evaluating
    /// them. The cache holds what parsing gave — the document or the refusal — by the text; it is
    /// emptied when it reaches `cacheLimit` entries.
    public static func cachedParse(_ text: String, requirePrincipal: Bool) throws(PolicyError) -> PolicyDocument {
        let key = CacheKey(text: text, requirePrincipal: requirePrincipal)
        if let known = cache.lock.withLock({ cache.recent(key) ?? cache.entries[key].map { cache.remember(key, $0) } }) {
            return try known.get()
        }
        let result: Result<PolicyDocument, PolicyError>
        do { result = .success(try parse(text, requirePrincipal: requirePrincipal)) } catch { result = .failure(error) }
        cache.lock.withLock {
            if cache.entries.count >= cacheLimit { cache.entries.removeAll(keepingCapacity: true) }
            cache.entries[key] = result
            _ = cache.remember(key, result)
        }
        return try result.get()
    }

    static let cacheLimit = 4096
    /// Texts found without hashing them: a key's policy is the same string on every call, and
    /// comparing it with one that shares its storage is one check, where hashing reads all of it.
    static let recentLimit = 8

    private struct CacheKey: Hashable, Sendable {
        let text: String
        let requirePrincipal: Bool
    }

    private final class Cache: @unchecked Sendable {
        let lock = AdaptiveLock()
        var entries: [CacheKey: Result<PolicyDocument, PolicyError>] = [:]
        /// The last texts found or parsed, newest replacing the oldest (`recentLimit` at most).
        var recentEntries: [(key: CacheKey, result: Result<PolicyDocument, PolicyError>)] = []
        var nextRecent = 0

        func recent(_ key: CacheKey) -> Result<PolicyDocument, PolicyError>? {
            for entry in recentEntries where entry.key == key { return entry.result }
            return nil
        }

        func remember(_ key: CacheKey, _ result: Result<PolicyDocument, PolicyError>) -> Result<PolicyDocument, PolicyError> {
            if recentEntries.count < PolicyDocument.recentLimit {
                recentEntries.append((key, result))
            } else {
                recentEntries[nextRecent] = (key, result)
                nextRecent = (nextRecent + 1) % PolicyDocument.recentLimit
            }
            return result
        }
    }

    private static let cache = Cache()
}
