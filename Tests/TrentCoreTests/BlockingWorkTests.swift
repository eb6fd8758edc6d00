import Dispatch
import Testing
@testable import TrentCore

@Suite struct BlockingWorkTests {
    struct Failure: Error, Equatable {}

    /// The work runs on BlockingWork's own queue (not the caller's thread), and its result or
    /// error comes back.
    @Test func runsOnItsOwnQueue() async throws {
        #expect(try await BlockingWork.run { BlockingWork.isCurrent })
        #expect(!BlockingWork.isCurrent)
        #expect(try await BlockingWork.run { 6 * 7 } == 42)
        await #expect(throws: Failure.self) { try await BlockingWork.run { throw Failure() } }
    }

    /// Work runs side by side: two jobs that each wait for the other finish.
    @Test func jobsRunConcurrently() async throws {
        let first = DispatchSemaphore(value: 0), second = DispatchSemaphore(value: 0)
        async let a: Bool = BlockingWork.run { first.signal(); return second.wait(timeout: .now() + 10) == .success }
        async let b: Bool = BlockingWork.run { second.signal(); return first.wait(timeout: .now() + 10) == .success }
        let (doneA, doneB) = try await (a, b)
        #expect(doneA && doneB)
    }
}
