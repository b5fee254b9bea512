// SPDX-License-Identifier: LGPL-2.1-or-later
#include "scenario.hpp"

#include "cpu_use.hpp"
#include "process.hpp"

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <exception>
#include <string>
#include <vector>

namespace bus_bench {
namespace {

using Clock = std::chrono::steady_clock;

// What each role sends back to the parent when it is done.
struct Report {
    std::uint64_t count = 0;  // replies, calls served, signals received or sent
    std::uint64_t errors = 0; // wrong sizes, signals out of order
    std::int64_t ns = 0;      // the timed part (client, sender)
    double cpu = 0;           // CPU-seconds the role used once started
    long sleeps = 0;          // times the role slept once started
    bool driver = false;      // the client or the sender
};

std::int64_t elapsed_ns(Clock::time_point since)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count();
}

// The processes of one scenario run. Every child writes one byte to
// `ready` once its endpoint is open, blocks on `go` if it is the one that
// drives the scenario, and writes its Report to `results` at the end.
// Children still running when this goes away are killed.
class Roles {
public:
    explicit Roles(Bus &bus) : bus_{&bus} {}
    Roles(const Roles &) = delete;
    Roles &operator=(const Roles &) = delete;
    Roles(Roles &&) = delete;
    Roles &operator=(Roles &&) = delete;
    ~Roles()
    {
        for (const pid_t pid : pids_) {
            ::kill(pid, SIGKILL);
            try {
                (void)reap(pid);
            } catch (const std::exception &) { // NOLINT(bugprone-empty-catch): reaping is best effort here
            }
        }
    }

    // Forks @role; @body runs with the open endpoint and returns its Report.
    template <class Body> void start(Role role, unsigned index, bool driver, Body body)
    {
        const std::string name = bus_->name() + "/" + role_name(role) + std::to_string(index);
        pids_.push_back(fork_role(name, [&, role, index, driver] {
            ready_.read.reset();
            results_.read.reset();
            go_.write.reset();
            auto ep = bus_->open(role, index);
            const char byte = 'r';
            write_all(ready_.write.get(), &byte, 1);
            if (driver) {
                // The parent closes the pipe to start every driver at once.
                char go = 0;
                if (read_exact(go_.read.get(), &go, 1, "waiting for the start")) {
                    throw Failure{"unexpected byte on the start pipe"};
                }
            }
            const SelfUsage before = self_usage();
            Report r = body(*ep);
            const SelfUsage after = self_usage();
            r.cpu = after.cpu - before.cpu;
            r.sleeps = after.sleeps - before.sleeps;
            r.driver = driver;
            write_all(results_.write.get(), &r, sizeof r);
            return 0;
        }));
    }

    // Waits until every role is ready, then lets the drivers go.
    void go()
    {
        ready_.write.reset();
        results_.write.reset();
        go_.read.reset();
        for (std::size_t i = 0; i < pids_.size(); ++i) {
            char byte = 0;
            if (!read_exact(ready_.read.get(), &byte, 1, bus_->name() + ": waiting for the roles to connect")) {
                throw Failure{bus_->name() + ": a role failed before it was ready"};
            }
        }
        server_cpu_ = process_cpu(bus_->server());
        go_.write.reset(); // end of file is the start signal, for every driver at once
    }

    // Collects one Report per role (in the order they finish), and checks
    // that every role exited cleanly. server_cpu() is then what the bus's
    // server used while the roles ran.
    std::vector<Report> finish()
    {
        std::vector<Report> reports(pids_.size());
        for (Report &r : reports) {
            // Unbounded: a run takes as long as it takes, and every wait
            // in the roles is bounded, so they report or die.
            if (!read_exact(results_.read.get(), &r, sizeof r, bus_->name() + ": waiting for the results", false)) {
                throw Failure{bus_->name() + ": a role failed"};
            }
        }
        // Before bus_->finish() reaps a server that is a child (the relay).
        server_cpu_ = process_cpu(bus_->server()) - server_cpu_;
        while (!pids_.empty()) {
            const pid_t pid = pids_.back();
            pids_.pop_back();
            if (reap(pid) != 0) {
                throw Failure{bus_->name() + ": a role failed"};
            }
        }
        bus_->finish();
        return reports;
    }

    [[nodiscard]] double server_cpu() const noexcept { return server_cpu_; }

    Pipe acks = Pipe::make(); // fan-out: subscribers to the sender

private:
    static const char *role_name(Role r)
    {
        switch (r) {
        case Role::client:
            return "client";
        case Role::service:
            return "service";
        case Role::sender:
            return "sender";
        case Role::subscriber:
            return "subscriber";
        }
        return "?";
    }

    Bus *bus_;
    std::vector<pid_t> pids_;
    Pipe ready_ = Pipe::make();
    Pipe go_ = Pipe::make();
    Pipe results_ = Pipe::make();
    double server_cpu_ = 0;
};

// Every role's CPU time and the server's, in µs per operation.
double cpu_us_per(const Roles &roles, const std::vector<Report> &reports, std::uint64_t operations)
{
    double cpu = roles.server_cpu();
    for (const Report &r : reports) {
        cpu += r.cpu;
    }
    return operations == 0 ? 0 : cpu * 1e6 / static_cast<double>(operations);
}

} // namespace

Measurement run_call(Bus &bus, std::size_t payload, unsigned calls, unsigned warmup)
{
    bus.prepare(Shape::call, 1);
    Roles roles{bus};
    roles.start(Role::service, 0, false, [](Endpoint &ep) {
        Report r;
        while (ep.serve()) {
            ++r.count;
        }
        return r;
    });
    roles.start(Role::client, 0, true, [payload, calls, warmup](Endpoint &ep) {
        const std::vector<std::byte> data(payload, std::byte{0x5a});
        Report r;
        const auto one = [&] {
            if (ep.call(data) == payload) {
                ++r.count;
            } else {
                ++r.errors;
            }
        };
        for (unsigned i = 0; i < warmup; ++i) {
            one();
        }
        const Clock::time_point start = Clock::now();
        for (unsigned i = 0; i < calls; ++i) {
            one();
        }
        r.ns = elapsed_ns(start);
        ep.stop_service();
        return r;
    });
    roles.go();
    const std::vector<Report> reports = roles.finish();
    Measurement m;
    m.expected = 2ULL * (calls + warmup); // each call arrives, and so does each reply
    std::int64_t ns = 0;
    for (const Report &r : reports) {
        if (r.errors != 0) {
            throw Failure{bus.name() + ": " + std::to_string(r.errors) + " replies of the wrong size"};
        }
        m.received += r.count;
        ns += r.driver ? r.ns : 0;
    }
    m.value = static_cast<double>(ns) / 1e3 / calls;
    m.cpu_us = cpu_us_per(roles, reports, calls + warmup);
    return m;
}

Measurement run_fanout(Bus &bus, unsigned subscribers, unsigned signals, unsigned window, unsigned drop)
{
    bus.prepare(Shape::fanout, subscribers);
    Roles roles{bus};
    const int ack_read = roles.acks.read.get();
    const int ack_write = roles.acks.write.get();
    const auto window_end = [signals, window](unsigned seq) { return (seq + 1) % window == 0 || seq + 1 == signals; };
    for (unsigned i = 0; i < subscribers; ++i) {
        roles.start(Role::subscriber, i, false, [&, signals](Endpoint &ep) {
            Report r;
            for (unsigned seq = 0; seq < signals; ++seq) {
                const std::uint32_t got = ep.receive();
                ++r.count;
                r.errors += got == seq ? 0 : 1;
                if (window_end(seq)) {
                    const char byte = 'a';
                    write_all(ack_write, &byte, 1);
                }
            }
            return r;
        });
    }
    roles.start(Role::sender, 0, true, [&, subscribers, signals, drop](Endpoint &ep) {
        std::vector<char> acks(subscribers);
        Report r;
        const Clock::time_point start = Clock::now();
        for (unsigned seq = 0; seq < signals; ++seq) {
            if (seq != drop) {
                ep.emit(seq);
            }
            if (window_end(seq) && !read_exact(ack_read, acks.data(), acks.size(), "waiting for the subscribers")) {
                throw Failure{"the subscribers are gone"};
            }
        }
        r.ns = elapsed_ns(start);
        return r;
    });
    roles.go();
    const std::vector<Report> reports = roles.finish();
    Measurement m;
    m.expected = static_cast<std::uint64_t>(subscribers) * signals;
    std::int64_t ns = 0;
    long sleeps = 0;
    for (const Report &r : reports) {
        if (r.errors != 0) {
            throw Failure{bus.name() + ": " + std::to_string(r.errors) + " signals out of order"};
        }
        if (r.driver) {
            ns = r.ns; // the sender: it counts nothing
            continue;
        }
        m.received += r.count;
        sleeps += r.sleeps;
    }
    m.cpu_us = cpu_us_per(roles, reports, signals);
    m.sleeps = m.received == 0 ? 0 : static_cast<double>(sleeps) / static_cast<double>(m.received);
    const double seconds = static_cast<double>(ns) / 1e9;
    m.value = window == 1 ? seconds * 1e6 / signals : signals / seconds;
    return m;
}

} // namespace bus_bench
