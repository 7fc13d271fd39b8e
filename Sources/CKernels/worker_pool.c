// A pool of persistent threads that run the parts of a job together with the caller.
//
// A job is `parts` calls `task(context, part)`. The caller publishes it by storing a new
// generation in `job_state` (generation in the high 32 bits, the next unclaimed part in the
// low 32), then claims parts itself; every active worker claims parts too, one
// compare-and-swap each, until none is left. The caller returns when `finished_parts`
// reaches `parts`. Which thread runs a part never changes what the part computes, so
// callers that split their work at fixed points get the same bits for any thread count.
//
// Between jobs a worker spins (checking the generation, `pause` between reads) for at most
// `spin_nanoseconds` after its last job, so a job posted during a training step reaches it
// in well under a microsecond instead of the tens of microseconds a wake-up from sleep
// takes; then it sleeps on a condition variable. When the pool has more threads than the
// process has cores, workers never spin (they would take the core from the thread that has
// work). Only one job runs at a time: a caller that finds the pool busy (a nested call from
// inside a part, or another thread's job) runs its parts itself, in order.
#define _GNU_SOURCE
#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_SPIN_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CK_SPIN_PAUSE() __asm__ __volatile__("yield")
#else
#define CK_SPIN_PAUSE() ((void)0)
#endif




static pthread_once_t initialize_once = PTHREAD_ONCE_INIT;
static ptrdiff_t cores_available = 1;

/// Threads per job, caller included (`ck_pool_set_thread_count`).
static atomic_long thread_count;
static atomic_llong spin_nanoseconds = CK_POOL_DEFAULT_SPIN_NANOSECONDS;

/// Serialises starting workers and guards the sleepers' condition.
static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_condition = PTHREAD_COND_INITIALIZER;
static atomic_long started_workers;
static atomic_long sleeping_workers;

static atomic_flag in_use = ATOMIC_FLAG_INIT;
/// Set in the child of a fork(): the workers were not copied, so every job runs on the caller.
static atomic_bool in_forked_child;

static _Atomic uint64_t job_state;
static atomic_long posted_parts;
static atomic_long finished_parts;
static ck_pool_task posted_task;
static void *posted_context;

static void note_fork_in_child(void) { atomic_store(&in_forked_child, true); }

static ptrdiff_t count_available_cores(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
#endif
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (ptrdiff_t)online : 1;
}

static void initialize(void) {
    cores_available = count_available_cores();
    long requested = atomic_load(&thread_count);
    if (requested == 0) {
        long count = cores_available < CK_POOL_MAXIMUM_THREADS ? (long)cores_available : CK_POOL_MAXIMUM_THREADS;
        long expected = 0;
        atomic_compare_exchange_strong(&thread_count, &expected, count);
    }
    pthread_atfork(NULL, NULL, note_fork_in_child);
}

ptrdiff_t ck_available_cores(void) {
    pthread_once(&initialize_once, initialize);
    return cores_available;
}

ptrdiff_t ck_pool_thread_count(void) {
    pthread_once(&initialize_once, initialize);
    return atomic_load_explicit(&thread_count, memory_order_relaxed);
}

void ck_pool_set_thread_count(ptrdiff_t count) {
    pthread_once(&initialize_once, initialize);
    if (count < 1) count = 1;
    if (count > CK_POOL_MAXIMUM_THREADS) count = CK_POOL_MAXIMUM_THREADS;
    atomic_store(&thread_count, (long)count);
    // Workers beyond the new count park; ones below it wake up.
    pthread_mutex_lock(&pool_mutex);
    pthread_cond_broadcast(&wake_condition);
    pthread_mutex_unlock(&pool_mutex);
}

int64_t ck_pool_spin_nanoseconds(void) { return atomic_load_explicit(&spin_nanoseconds, memory_order_relaxed); }

void ck_pool_set_spin_nanoseconds(int64_t nanoseconds) {
    atomic_store_explicit(&spin_nanoseconds, nanoseconds < 0 ? 0 : nanoseconds, memory_order_relaxed);
}

bool ck_pool_workers_spin(void) {
    return ck_pool_spin_nanoseconds() > 0 && ck_pool_thread_count() <= ck_available_cores();
}

static long elapsed_nanoseconds(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

static inline uint32_t generation_of(uint64_t state) { return (uint32_t)(state >> 32); }

/// Whether worker `index` (0-based; the caller is not a worker) takes part in jobs now.
static inline bool is_active(long index) {
    return index + 1 < atomic_load_explicit(&thread_count, memory_order_relaxed);
}

/// Runs unclaimed parts of job `generation` until none is left.
static void claim_parts(uint32_t generation) {
    uint64_t state = atomic_load_explicit(&job_state, memory_order_acquire);
    for (;;) {
        if (generation_of(state) != generation) return;
        uint32_t part = (uint32_t)state;
        if ((long)part >= atomic_load_explicit(&posted_parts, memory_order_relaxed)) return;
        if (!atomic_compare_exchange_weak_explicit(&job_state, &state, state + 1, memory_order_acq_rel,
                                                   memory_order_acquire)) {
            continue;
        }
        // The job cannot finish before this part does, so its task and context stay put.
        posted_task(posted_context, (ptrdiff_t)part);
        atomic_fetch_add_explicit(&finished_parts, 1, memory_order_release);
        state = atomic_load_explicit(&job_state, memory_order_acquire);
    }
}

/// Waits until a generation other than `seen` is posted while worker `index` is active:
/// spins first when allowed, then sleeps.
static uint32_t wait_for_job(uint32_t seen, long index) {
    if (is_active(index) && ck_pool_workers_spin()) {
        long long limit = ck_pool_spin_nanoseconds();
        struct timespec spin_start;
        clock_gettime(CLOCK_MONOTONIC, &spin_start);
        for (unsigned spins = 1; is_active(index); spins++) {
            uint32_t generation = generation_of(atomic_load_explicit(&job_state, memory_order_acquire));
            if (generation != seen) return generation;
            CK_SPIN_PAUSE();
            if ((spins & 255) == 0 && elapsed_nanoseconds(&spin_start) > limit) break;
        }
    }
    pthread_mutex_lock(&pool_mutex);
    atomic_fetch_add(&sleeping_workers, 1);
    uint32_t generation;
    // seq_cst with the poster's store of the generation and load of `sleeping_workers`:
    // either this read sees the new job or the poster sees a sleeper and signals.
    while (!is_active(index) || (generation = generation_of(atomic_load(&job_state))) == seen) {
        pthread_cond_wait(&wake_condition, &pool_mutex);
    }
    atomic_fetch_sub(&sleeping_workers, 1);
    pthread_mutex_unlock(&pool_mutex);
    return generation;
}

static void *worker_main(void *argument) {
    long index = (long)(intptr_t)argument;
    uint32_t seen = generation_of(atomic_load(&job_state));
    for (;;) {
        seen = wait_for_job(seen, index);
        claim_parts(seen);
    }
    return NULL;
}

/// Starts workers until `count` exist; returns how many exist.
static long start_workers(long count) {
    long started = atomic_load_explicit(&started_workers, memory_order_acquire);
    if (started >= count) return started;
    pthread_mutex_lock(&pool_mutex);
    started = atomic_load(&started_workers);
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) == 0) {
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        while (started < count) {
            pthread_t thread;
            if (pthread_create(&thread, &attributes, worker_main, (void *)(intptr_t)started) != 0) break;
            started++;
        }
        pthread_attr_destroy(&attributes);
    }
    atomic_store_explicit(&started_workers, started, memory_order_release);
    pthread_mutex_unlock(&pool_mutex);
    return started;
}

static void run_inline(ck_pool_task task, void *context, ptrdiff_t parts) {
    for (ptrdiff_t part = 0; part < parts; part++) task(context, part);
}

void ck_pool_run(ck_pool_task task, void *context, ptrdiff_t parts) {
    if (parts <= 0) return;
    pthread_once(&initialize_once, initialize);
    long workers = atomic_load_explicit(&thread_count, memory_order_relaxed) - 1;
    if (parts == 1 || workers < 1 || parts > UINT32_MAX || atomic_load_explicit(&in_forked_child, memory_order_relaxed)) {
        run_inline(task, context, parts);
        return;
    }
    if (atomic_flag_test_and_set_explicit(&in_use, memory_order_acquire)) {
        run_inline(task, context, parts);
        return;
    }
    if (start_workers(workers) < 1) {
        atomic_flag_clear_explicit(&in_use, memory_order_release);
        run_inline(task, context, parts);
        return;
    }
    posted_task = task;
    posted_context = context;
    atomic_store_explicit(&posted_parts, (long)parts, memory_order_relaxed);
    atomic_store_explicit(&finished_parts, 0, memory_order_relaxed);
    uint32_t generation = generation_of(atomic_load_explicit(&job_state, memory_order_relaxed)) + 1;
    if (generation == 0) generation = 1;
    atomic_store(&job_state, (uint64_t)generation << 32);  // seq_cst: see wait_for_job
    if (atomic_load(&sleeping_workers) > 0) {
        pthread_mutex_lock(&pool_mutex);
        pthread_cond_broadcast(&wake_condition);
        pthread_mutex_unlock(&pool_mutex);
    }

    claim_parts(generation);
    // Parts other threads claimed: spin for them; if they are slow to finish (descheduled,
    // or sharing this core), give the core away between checks instead.
    unsigned patience = ck_pool_workers_spin() ? 4096 : 64;
    for (unsigned spins = 1; atomic_load_explicit(&finished_parts, memory_order_acquire) != (long)parts; spins++) {
        if (spins < patience) {
            CK_SPIN_PAUSE();
        } else {
            sched_yield();
        }
    }
    atomic_flag_clear_explicit(&in_use, memory_order_release);
}
