#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One object per thread, made on the thread's first request and released when the thread
/// ends (a pthread key whose destructor releases it). Backs ``BufferPool/current`` and the
/// GEMM workspaces. A slot must always be asked for objects of the same class.
final class ThreadLocalSlot: @unchecked Sendable {
    // @unchecked: the key is written once, in init; pthread keys are thread-safe.
    private let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        pthread_key_create(&key) { object in
            #if canImport(Darwin)
            Unmanaged<AnyObject>.fromOpaque(object).release()
            #else
            if let object { Unmanaged<AnyObject>.fromOpaque(object).release() }
            #endif
        }
        self.key = key
    }

    /// The calling thread's object, made with `make` on first use.
    @inline(__always)
    func object<Object: AnyObject>(orMake make: () -> Object) -> Object {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<Object>.fromOpaque(existing).takeUnretainedValue()
        }
        let made = make()
        pthread_setspecific(key, Unmanaged.passRetained(made).toOpaque())
        return made
    }
}
