import Foundation
import TrentCrypto

/// The wrapping key pairs of the latest `GetParametersForImport` answers, already parsed, so
/// that `ImportKeyMaterial` need not parse (and check) the RSA private key again. Only a shortcut:
/// a pair is used only when the store still holds that token's parameters and their sealed private
/// key opens to the very same DER. First in, first out; `capacity` pairs at most.
final class IssuedWrappingKeys: Sendable {
    private struct State {
        var pairs: [String: WrappingKeyPair] = [:]
        var order: [String] = []
        var next = 0
    }

    private let capacity: Int
    private let lock = NSLock()
    nonisolated(unsafe) private var state = State()

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    func remember(_ pair: WrappingKeyPair, tokenID: String) {
        guard capacity > 0 else { return }
        lock.withLock {
            if state.order.count < capacity {
                state.order.append(tokenID)
            } else {
                state.pairs[state.order[state.next]] = nil
                state.order[state.next] = tokenID
                state.next = (state.next + 1) % capacity
            }
            state.pairs[tokenID] = pair
        }
    }

    /// The remembered pair of `tokenID` if its private key is `privateKeyDER`.
    func pair(tokenID: String, privateKeyDER: Data) -> WrappingKeyPair? {
        let pair = lock.withLock { state.pairs[tokenID] }
        return pair?.privateKeyDER == privateKeyDER ? pair : nil
    }
}
