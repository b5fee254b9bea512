// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbusd: a D-Bus message bus. It serves AF_UNIX stream clients
// (unix:path=, unix:abstract=) and, given an afbus:path= address, is the
// master of an AF_BUS bus whose peers talk to each other through the
// kernel; legacy clients then get their AF_BUS proxy connections
// (Documentation/afbusd/af_bus.rst).
#include "bus/bus.hpp"
#include "bus/policy.hpp"
#include "log.hpp"
#include "options.hpp"
#include "transport/afbus_master.hpp"
#include "transport/event_loop.hpp"
#include "transport/unix_server.hpp"
#include "unique_fd.hpp"

#include <afbus/dbus/sasl.hpp>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace afbusd;

// Stops the loop on SIGTERM or SIGINT.
class SignalHandler final : public transport::Handler {
public:
    SignalHandler(transport::EventLoop &loop, UniqueFd fd) : loop_{&loop}, fd_{std::move(fd)} {}
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    void handle(std::uint32_t /*events*/) override
    {
        signalfd_siginfo info{};
        while (::read(fd_.get(), &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
            log(LogLevel::info, "signal ", info.ssi_signo, ": shutting down");
            loop_->stop();
        }
    }

private:
    transport::EventLoop *loop_;
    UniqueFd fd_;
};

// 32 hex digits, the bus's GUID (GetId, SASL OK, the printed address).
std::string make_guid()
{
    std::array<char, 16> raw{};
    if (::getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) {
        // Unique enough for a bus id if the entropy pool is not there.
        const auto seed = static_cast<unsigned long>(::getpid()) ^ static_cast<unsigned long>(::time(nullptr));
        std::memcpy(raw.data(), &seed, sizeof(seed));
    }
    return afbus::dbus::sasl_hex_encode({raw.data(), raw.size()});
}

std::string read_machine_id(const std::string &fallback)
{
    for (const char *path : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
        std::ifstream in{path};
        std::string id;
        if (in >> id && id.size() == 32) {
            return id;
        }
    }
    return fallback;
}

// @ready gets the address once the bus listens.
int run(const Options &opt, const std::function<void(const std::string &)> &ready)
{
    set_log_level(opt.log_level);

    bus::Bus::Config config;
    config.guid = make_guid();
    config.machine_id = read_machine_id(config.guid);
    config.uid = ::getuid();
    config.policy_path = opt.policy_path;
    if (!opt.policy_path.empty()) {
        auto p = bus::Policy::load(opt.policy_path);
        if (!p) {
            log(LogLevel::error, p.error());
            return 1;
        }
        config.policy = std::move(*p);
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    // SIGPIPE: ignored by blocking it too (sends use MSG_NOSIGNAL anyway).
    sigset_t pipe_mask;
    sigemptyset(&pipe_mask);
    sigaddset(&pipe_mask, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_mask, nullptr);

    transport::EventLoop loop;
    if (const int e = loop.init(); e != 0) {
        log(LogLevel::error, "epoll: ", errno_text(-e));
        return 1;
    }
    SignalHandler signals{loop, UniqueFd{::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)}};
    if (signals.fd() < 0 || loop.add(signals.fd(), EPOLLIN, signals) != 0) {
        log(LogLevel::error, "signalfd: ", errno_text(errno));
        return 1;
    }

    const std::string guid = config.guid;
    bus::Bus bus{std::move(config)};
    // The AF_BUS bus first: the AF_UNIX listeners hand it their clients, so
    // each gets its proxy connection on the bus.
    std::vector<std::string> printed(opt.addresses.size());
    std::unique_ptr<transport::AfbusMaster> master;
    for (std::size_t i = 0; i < opt.addresses.size(); ++i) {
        if (address_kind(opt.addresses[i]) != AddressKind::afbus) {
            continue;
        }
        master = std::make_unique<transport::AfbusMaster>(loop, bus, opt.limits, guid);
        auto address = master->listen(opt.addresses[i]);
        if (!address) {
            log(LogLevel::error, address.error());
            return 1;
        }
        printed[i] = std::move(*address);
    }
    bus::LinkEvents &unix_events = master ? static_cast<bus::LinkEvents &>(*master) : bus;
    std::vector<std::unique_ptr<transport::UnixServer>> servers;
    for (std::size_t i = 0; i < opt.addresses.size(); ++i) {
        if (!printed[i].empty()) {
            continue;
        }
        auto &server = servers.emplace_back(std::make_unique<transport::UnixServer>(loop, unix_events, opt.limits, guid));
        auto address = server->listen(opt.addresses[i]);
        if (!address) {
            log(LogLevel::error, address.error());
            return 1;
        }
        printed[i] = std::move(*address);
    }
    loop.add_idle_hook([&bus] { bus.reap(); });
    for (const auto &server : servers) {
        loop.add_idle_hook([s = server.get()] { s->reap(); });
    }
    if (master) {
        loop.add_idle_hook([m = master.get()] { m->reap(); });
    }
    std::string all;
    for (const std::string &a : printed) {
        all += (all.empty() ? "" : ";") + a;
    }
    ready(all);
    log(LogLevel::info, "listening on ", all);
    if (const int e = loop.run(); e != 0) {
        log(LogLevel::error, "epoll_wait: ", errno_text(-e));
        return 1;
    }
    return 0;
}

void print_address(const std::string &address)
{
    static_cast<void>(std::printf("%s\n", address.c_str()));
    static_cast<void>(std::fflush(stdout));
}

// Detaching: the child does all the work (epoll and signalfd belong to the
// process that sets them up) and sends the address up a pipe once it
// listens; the parent prints it and exits 0, or 1 if the child failed.
int run_detached(const Options &opt)
{
    std::array<int, 2> pipe_fds{};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        log(LogLevel::error, "pipe: ", errno_text(errno));
        return 1;
    }
    UniqueFd from_child{pipe_fds[0]};
    UniqueFd to_parent{pipe_fds[1]};
    const pid_t child = ::fork();
    if (child < 0) {
        log(LogLevel::error, "fork: ", errno_text(errno));
        return 1;
    }
    if (child == 0) {
        from_child.reset();
        static_cast<void>(::setsid());
        const UniqueFd null{::open("/dev/null", O_RDWR | O_CLOEXEC)};
        static_cast<void>(::dup2(null.get(), STDIN_FILENO));
        static_cast<void>(::dup2(null.get(), STDOUT_FILENO));
        return run(opt, [&to_parent](const std::string &address) {
            const std::string line = address + "\n";
            if (::write(to_parent.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
                log(LogLevel::warning, "cannot report the address to the parent");
            }
            to_parent.reset();
        });
    }
    to_parent.reset();
    std::string address;
    std::array<char, 512> buf{};
    ssize_t n = 0;
    while ((n = ::read(from_child.get(), buf.data(), buf.size())) > 0 || (n < 0 && errno == EINTR)) {
        address.append(buf.data(), static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    }
    if (address.empty()) {
        return 1; // the child said why on stderr
    }
    static_cast<void>(std::fputs(address.c_str(), stdout));
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    const auto opt = parse_options(std::span<char *const>{argv, static_cast<std::size_t>(argc)}.subspan(1));
    if (!opt) {
        static_cast<void>(std::fprintf(stderr, "afbusd: %s\n%s", opt.error().c_str(), usage_text));
        return 2;
    }
    if (opt->help) {
        static_cast<void>(std::fputs(usage_text, stdout));
        return 0;
    }
    return opt->foreground ? run(*opt, print_address) : run_detached(*opt);
}
