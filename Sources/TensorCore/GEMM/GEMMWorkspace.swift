#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reusable, 64-byte aligned buffers for the packed A and B blocks of one GEMM call.
///
/// A workspace belongs to one caller at a time: ``withWorkspace(_:)`` checks one out of a
/// process-wide pool and returns it afterwards, so steady-state calls allocate nothing and
/// concurrent calls from different threads use different buffers.
final class GEMMWorkspace: @unchecked Sendable {
    // @unchecked: an instance is only reachable by the single caller that checked it out.

    private var packedA = AlignedFloatBuffer()
    private var packedB = AlignedFloatBuffer()

    /// Storage for at least `count` floats of packed A; contents are unspecified.
    func packedABuffer(count: Int) -> UnsafeMutablePointer<Float> { packedA.reserve(count) }

    /// Storage for at least `count` floats of packed B; contents are unspecified.
    func packedBBuffer(count: Int) -> UnsafeMutablePointer<Float> { packedB.reserve(count) }

    /// Idle workspaces, reused last-in first-out.
    private static let pool = PThreadLocked<[GEMMWorkspace]>([])
    /// Idle workspaces kept beyond this count are released.
    private static let maximumIdleCount = 16

    /// Runs `body` with a workspace that no other caller uses meanwhile.
    static func withWorkspace<Result>(_ body: (GEMMWorkspace) -> Result) -> Result {
        let workspace = pool.withLock { $0.popLast() } ?? GEMMWorkspace()
        defer {
            pool.withLock { idle in
                if idle.count < maximumIdleCount { idle.append(workspace) }
            }
        }
        return body(workspace)
    }
}

/// A growable, 64-byte aligned float buffer that never shrinks.
private struct AlignedFloatBuffer: ~Copyable {
    private var storage: UnsafeMutableRawPointer?
    private var capacity = 0

    private static let alignment = 64

    /// Ensures room for `count` floats and returns the start of the buffer.
    mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let storage, capacity >= count {
            return storage.assumingMemoryBound(to: Float.self)
        }
        storage?.deallocate()
        let newCapacity = max(count, capacity &* 2)
        let newStorage = UnsafeMutableRawPointer.allocate(
            byteCount: max(newCapacity, 1) &* MemoryLayout<Float>.stride,
            alignment: Self.alignment)
        storage = newStorage
        capacity = newCapacity
        return newStorage.bindMemory(to: Float.self, capacity: newCapacity)
    }

    deinit { storage?.deallocate() }
}

/// A value guarded by a `pthread_mutex_t`.
///
/// Not `Synchronization.Mutex`: on Linux a contended `Mutex` hands the lock over inside the
/// kernel (`FUTEX_LOCK_PI`/`FUTEX_UNLOCK_PI`, called from the uninstrumented
/// libswiftSynchronization), so ThreadSanitizer never sees the release/acquire pair and reports
/// every contended `withLock` as a Swift access race. TSan intercepts the pthread calls.
private final class PThreadLocked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched between pthread_mutex_lock and _unlock.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
