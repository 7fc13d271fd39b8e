// A second thread that runs half of a job while the calling thread runs the other half.
//
// Between jobs the worker spins for a short while (checking a generation counter with
// `pause` between reads) before it sleeps on a condition variable, so a job posted
// during a training step reaches it in well under a microsecond instead of the tens of
// microseconds a wake-up from sleep takes. Only one caller at a time may use the worker;
// a caller that finds it busy runs both halves itself.
#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_SPIN_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CK_SPIN_PAUSE() __asm__ __volatile__("yield")
#else
#define CK_SPIN_PAUSE() ((void)0)
#endif

/// How long the worker keeps spinning after a job before it goes to sleep.
static const long spin_nanoseconds = 2000000;

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static bool worker_started;
static pthread_mutex_t sleep_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_condition = PTHREAD_COND_INITIALIZER;

static atomic_flag in_use = ATOMIC_FLAG_INIT;
/// Set in the child of a fork(): the worker thread was not copied, so every job runs on
/// the caller.
static atomic_bool in_forked_child;
static atomic_uint posted_generation;
static atomic_uint finished_generation;
static atomic_bool worker_sleeping;
static ck_pair_task posted_task;
static void *posted_context;

static long elapsed_nanoseconds(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

/// Waits for a generation other than `seen`: spins first, then sleeps.
static unsigned wait_for_job(unsigned seen) {
    struct timespec spin_start;
    clock_gettime(CLOCK_MONOTONIC, &spin_start);
    for (unsigned spins = 1;; spins++) {
        unsigned generation = atomic_load_explicit(&posted_generation, memory_order_acquire);
        if (generation != seen) return generation;
        CK_SPIN_PAUSE();
        if ((spins & 255) == 0 && elapsed_nanoseconds(&spin_start) > spin_nanoseconds) break;
    }
    pthread_mutex_lock(&sleep_mutex);
    atomic_store(&worker_sleeping, true);
    unsigned generation;
    while ((generation = atomic_load_explicit(&posted_generation, memory_order_acquire)) == seen) {
        pthread_cond_wait(&sleep_condition, &sleep_mutex);
    }
    atomic_store(&worker_sleeping, false);
    pthread_mutex_unlock(&sleep_mutex);
    return generation;
}

static void *worker_main(void *unused) {
    (void)unused;
    unsigned seen = 0;
    for (;;) {
        seen = wait_for_job(seen);
        posted_task(posted_context, 1);
        atomic_store_explicit(&finished_generation, seen, memory_order_release);
    }
    return NULL;
}

static void note_fork_in_child(void) { atomic_store(&in_forked_child, true); }

static void start_worker(void) {
    pthread_atfork(NULL, NULL, note_fork_in_child);
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0) return;
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    worker_started = pthread_create(&thread, &attributes, worker_main, NULL) == 0;
    pthread_attr_destroy(&attributes);
}

void ck_run_pair(ck_pair_task task, void *context) {
    if (atomic_flag_test_and_set_explicit(&in_use, memory_order_acquire)) {
        task(context, 0);
        task(context, 1);
        return;
    }
    pthread_once(&start_once, start_worker);
    if (!worker_started || atomic_load_explicit(&in_forked_child, memory_order_relaxed)) {
        atomic_flag_clear_explicit(&in_use, memory_order_release);
        task(context, 0);
        task(context, 1);
        return;
    }
    posted_task = task;
    posted_context = context;
    unsigned generation = atomic_load_explicit(&posted_generation, memory_order_relaxed) + 1;
    if (generation == 0) generation = 1;  // 0 is the worker's initial "seen".
    pthread_mutex_lock(&sleep_mutex);
    atomic_store_explicit(&posted_generation, generation, memory_order_release);
    if (atomic_load(&worker_sleeping)) pthread_cond_signal(&sleep_condition);
    pthread_mutex_unlock(&sleep_mutex);

    task(context, 0);
    // Spin for the worker's half; if it is slow to finish (descheduled, or sharing this
    // core), give the core away between checks instead of spinning through its slice.
    for (unsigned spins = 1; atomic_load_explicit(&finished_generation, memory_order_acquire) != generation; spins++) {
        if (spins < 4096) {
            CK_SPIN_PAUSE();
        } else {
            sched_yield();
        }
    }
    atomic_flag_clear_explicit(&in_use, memory_order_release);
}
