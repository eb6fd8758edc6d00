#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex for the short critical sections the event loops share (a cache lookup, a few appends):
/// glibc's adaptive mutex, which on contention spins a little while the holder finishes before it
/// sleeps. `NSLock` is a plain pthread mutex: a thread that finds it held goes straight to a futex
/// wait, and the holder to a futex wake — two system calls and a context switch for a wait of a
/// few hundred nanoseconds (the key cache's lock alone was a tenth of the server's futex calls at
/// concurrency 8, profiled).
public final class AdaptiveLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        #if canImport(Glibc)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        #endif
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }

    public func unlock() { pthread_mutex_unlock(mutex) }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// The mutex's kind as glibc keeps it (tests: that it is the adaptive one).
    var kind: Int32 {
        #if canImport(Glibc)
        return Int32(mutex.pointee.__data.__kind)
        #else
        return 0
        #endif
    }
}
