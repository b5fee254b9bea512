// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A scoped pthread mutex lock. std::mutex would do as well, but
// std::condition_variable would not (it lives in libstdc++.so, which libcma
// does not link), and waiting needs the mutex the condition uses.
#ifndef CMA_SRC_LOCK_HPP
#define CMA_SRC_LOCK_HPP

#include <pthread.h>

namespace cma::detail {

class Lock {
public:
    explicit Lock(pthread_mutex_t &mutex) noexcept : mutex_{&mutex} { pthread_mutex_lock(mutex_); }
    ~Lock() { pthread_mutex_unlock(mutex_); }
    Lock(const Lock &) = delete;
    Lock &operator=(const Lock &) = delete;
    Lock(Lock &&) = delete;
    Lock &operator=(Lock &&) = delete;

    // Between unlock() and relock(), the destructor must not run.
    void unlock() noexcept { pthread_mutex_unlock(mutex_); }
    void relock() noexcept { pthread_mutex_lock(mutex_); }
    void wait(pthread_cond_t &cond) noexcept { pthread_cond_wait(&cond, mutex_); }

private:
    pthread_mutex_t *mutex_;
};

} // namespace cma::detail

#endif // CMA_SRC_LOCK_HPP
