import Glibc

/// A body run on a POSIX thread of its own, joined by `value()`, which returns what the
/// body returned or rethrows what it threw. For work that must not run on the calling
/// thread (entering a namespace) or that overlaps the caller's (the start path's
/// independent steps).
public final class ThreadTask<Value>: @unchecked Sendable {
    private let body: () throws -> Value
    private var result: Result<Value, any Error>?
    private var thread: pthread_t?

    /// Starts `body` on a new thread now; throws if the system has no thread to give.
    public init(_ body: @escaping () throws -> Value) throws {
        self.body = body
        let context = Unmanaged.passRetained(ThreadBody { self.result = Result { try self.body() } }).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            throw SwrunError.system("pthread_create", errno: rc)
        }
        self.thread = thread
    }

    /// Waits for the body to end and returns its result.
    public func value() throws -> Value {
        if let thread {
            pthread_join(thread, nil)
            self.thread = nil
        }
        return try result!.get()
    }

    deinit {
        // Never joined (and possibly released by the thread itself): let it go alone.
        if let thread { pthread_detach(thread) }
    }
}

/// The non-generic closure a C thread entry point can call.
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
