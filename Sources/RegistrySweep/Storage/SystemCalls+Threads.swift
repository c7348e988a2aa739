#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The thread primitives ``IOExecutor`` is built from: a detached thread, a counting
/// semaphore, and one thread-local word. Nothing else in the package creates threads.
extension SystemCalls {
    /// Starts a detached thread running `body`.
    ///
    /// - Throws: `.io` with the `pthread_create` error (`EAGAIN` when the process or system is
    ///   out of threads).
    package static func startThread(_ body: @escaping @Sendable () -> Void) throws(SweepError) {
        final class Start {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let start = Unmanaged.passRetained(Start(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let result = pthread_create(
            &thread, &attributes,
            { argument in
                // Safe: `argument` is the retained `Start` passed below, taken back exactly once.
                let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
                start.body()
                return nil
            }, start)
        if result != 0 {
            // Safe: the thread was not created, so the retain above is still ours to drop.
            Unmanaged<Start>.fromOpaque(start).release()
            throw SweepError.system("pthread_create", errno: result, path: "(a thread for blocking I/O)")
        }
    }

    /// A POSIX counting semaphore (`sem_t`): ``post()`` from any thread, ``wait(seconds:)``
    /// from the thread that wants a token. Uncontended calls stay in user space (futex).
    ///
    /// `@unchecked Sendable`: `sem_t` is made to be shared between threads; the pointer is
    /// fixed for the object's life.
    package final class Semaphore: @unchecked Sendable {
        private let semaphore: UnsafeMutablePointer<sem_t>

        /// A semaphore holding no token.
        package init() {
            // Safe: allocated and initialized here, destroyed and freed only in deinit; `sem_t`
            // must not move, so it lives behind a pointer rather than in a Swift property.
            semaphore = .allocate(capacity: 1)
            sem_init(semaphore, 0, 0)
        }

        deinit {
            sem_destroy(semaphore)
            semaphore.deallocate()
        }

        /// Adds one token, waking one waiter if any.
        package func post() { sem_post(semaphore) }

        /// Takes one token, waiting at most `seconds` for one (`EINTR` retried).
        ///
        /// - Returns: false if none came in time.
        package func wait(seconds: Int) -> Bool {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            var deadline = now
            deadline.tv_sec += seconds
            while sem_timedwait(semaphore, &deadline) != 0 {
                if errno != EINTR { return false }  // ETIMEDOUT
            }
            return true
        }
    }

    /// One pointer-sized value per thread (`pthread_key_t`), `nil` until a thread sets it.
    ///
    /// `@unchecked Sendable`: the key is immutable once created; each thread sees its own value.
    package final class ThreadLocal: @unchecked Sendable {
        private var key = pthread_key_t()

        /// A new key (never deleted: one per ``IOExecutor`` type, for the process's life).
        package init() { pthread_key_create(&key, nil) }

        /// This thread's value.
        package var value: UnsafeMutableRawPointer? {
            get { pthread_getspecific(key) }
            set { pthread_setspecific(key, newValue) }
        }
    }
}
