import Dispatch
import Foundation

/// Runs `body` to completion and returns its result, from synchronous code.
///
/// The CLI's commands are synchronous (they fork, exec and wait), while the registry
/// client is async (AsyncHTTPClient). This bridges the two: `body` runs on a detached
/// task in the cooperative pool and the calling thread sleeps on a semaphore until it
/// ends. Call it only from a thread outside the concurrency pool (the main thread of
/// a synchronous command): blocking a pool thread can starve the very task waited on.
public func runBlocking<T: Sendable>(_ body: @Sendable @escaping () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do {
            box.set(.success(try await body()))
        } catch {
            box.set(.failure(error))
        }
        done.signal()
    }
    done.wait()
    return try box.get()
}

/// The result handed from the task to the waiting thread; the semaphore orders the
/// write before the read, the lock makes that visible to the checker too.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) {
        lock.lock()
        result = value
        lock.unlock()
    }

    func get() throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let result else { throw CancellationError() }
        return try result.get()
    }
}
