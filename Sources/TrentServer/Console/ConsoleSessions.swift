import Foundation
import TrentAuth
import TrentCrypto

/// Signed-in console users: an unguessable session token (the cookie) per sign-in, each with its
/// own CSRF token, expiring after `lifetime` without use. Kept in memory: a restart signs everyone out.
actor ConsoleSessions {
    struct Session: Sendable {
        let principal: Principal
        let accessKeyID: String
        let identityPolicies: [String]
        let csrf: String
        var expires: Date
    }

    private var sessions: [String: Session] = [:]
    let lifetime: TimeInterval = 8 * 3600

    static func randomToken() -> String {
        KeyMaterialID.hex(SecureRandom.bytes(32))
    }

    func create(for key: KnownAccessKey) -> (token: String, session: Session) {
        let now = Date()
        sessions = sessions.filter { $0.value.expires > now }
        let token = Self.randomToken()
        let session = Session(principal: key.principal, accessKeyID: key.key.accessKeyId, identityPolicies: key.identityPolicies,
                              csrf: Self.randomToken(), expires: now.addingTimeInterval(lifetime))
        sessions[token] = session
        return (token, session)
    }

    func session(_ token: String) -> Session? {
        guard var session = sessions[token], session.expires > Date() else {
            sessions[token] = nil
            return nil
        }
        session.expires = Date().addingTimeInterval(lifetime)
        sessions[token] = session
        return session
    }

    func end(_ token: String) { sessions[token] = nil }
}
