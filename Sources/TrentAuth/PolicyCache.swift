import Foundation

extension PolicyDocument {
    /// `parse`, remembered: every request is authorized against the key's policy and the caller's
    /// identity policies, which change rarely, and parsing their JSON costs more than evaluating
    /// them. The cache holds what parsing gave — the document or the refusal — by the text; it is
    /// emptied when it reaches `cacheLimit` entries.
    public static func cachedParse(_ text: String, requirePrincipal: Bool) throws(PolicyError) -> PolicyDocument {
        let key = CacheKey(text: text, requirePrincipal: requirePrincipal)
        if let known = cache.lock.withLock({ cache.entries[key] }) { return try known.get() }
        let result: Result<PolicyDocument, PolicyError>
        do { result = .success(try parse(text, requirePrincipal: requirePrincipal)) } catch { result = .failure(error) }
        cache.lock.withLock {
            if cache.entries.count >= cacheLimit { cache.entries.removeAll(keepingCapacity: true) }
            cache.entries[key] = result
        }
        return try result.get()
    }

    static let cacheLimit = 4096

    private struct CacheKey: Hashable, Sendable {
        let text: String
        let requirePrincipal: Bool
    }

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var entries: [CacheKey: Result<PolicyDocument, PolicyError>] = [:]
    }

    private static let cache = Cache()
}
