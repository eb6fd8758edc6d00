import Foundation
import Testing
@testable import TrentSync

/// The locks the event loops share: glibc's adaptive mutex (it spins before it sleeps), and a lock.
@Suite struct AdaptiveLockTests {
    @Test func itIsGlibcsAdaptiveMutex() {
        #expect(AdaptiveLock().kind == Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
    }

    @Test func threadsTakeItInTurn() async {
        final class Counter: @unchecked Sendable {
            let lock = AdaptiveLock()
            var value = 0
            var inside = 0
            var overlapped = false
        }
        let counter = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50_000 {
                        counter.lock.withLock {
                            counter.inside += 1
                            if counter.inside != 1 { counter.overlapped = true }
                            counter.value += 1
                            counter.inside -= 1
                        }
                    }
                }
            }
        }
        #expect(counter.value == 200_000)
        #expect(!counter.overlapped)
    }
}
