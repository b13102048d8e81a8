import Glibc

/// The lock files the current thread holds through `withLock`, so that a nested
/// `withLock` on the same network runs its body instead of waiting for itself.
enum HeldLocks {
    private final class Paths {
        var held: Set<String> = []
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<Paths>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// This thread's set, made on first use and released when the thread ends.
    private static var paths: Paths {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<Paths>.fromOpaque(pointer).takeUnretainedValue()
        }
        let paths = Paths()
        pthread_setspecific(key, Unmanaged.passRetained(paths).toOpaque())
        return paths
    }

    static func contains(_ path: String) -> Bool { paths.held.contains(path) }
    static func insert(_ path: String) { paths.held.insert(path) }
    static func remove(_ path: String) { paths.held.remove(path) }
}
