// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the AF_BUS selftests; see af_bus_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include "af_bus_util.h"

#define SBUS_PATH_OFF	offsetof(struct sockaddr_bus, sbus_path)

int bus_socket(int proto)
{
	int fd = socket(AF_BUS, SOCK_SEQPACKET, proto);

	return fd < 0 ? -errno : fd;
}

bool bus_supported(void)
{
	int fd = bus_socket(BUS_PROTO_NONE);

	if (fd >= 0)
		close(fd);
	return fd != -EAFNOSUPPORT;
}

socklen_t bus_path_addr(struct sockaddr_bus *sa, const char *path,
			bool abstract)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sbus_family = AF_BUS;
	if (abstract) {
		if (len > BUS_PATH_MAX - 1)
			len = BUS_PATH_MAX - 1;
		memcpy(sa->sbus_path + 1, path, len);
		return SBUS_PATH_OFF + 1 + len;
	}
	if (len > BUS_PATH_MAX - 1)
		len = BUS_PATH_MAX - 1;
	memcpy(sa->sbus_path, path, len);
	return SBUS_PATH_OFF + len + 1;
}

int bus_master_open(struct bus_master *m, bool fs, int maxqlen, int sendbuf)
{
	return bus_master_open_proto(m, BUS_PROTO_NONE, fs, maxqlen, sendbuf);
}

int bus_master_open_proto(struct bus_master *m, int proto, bool fs,
			  int maxqlen, int sendbuf)
{
	static unsigned int serial;
	char path[BUS_PATH_MAX];
	int err;

	memset(m, 0, sizeof(*m));
	if (fs) {
		strcpy(m->fs_dir, "/tmp/af_bus.XXXXXX");
		if (!mkdtemp(m->fs_dir))
			return -errno;
		snprintf(path, sizeof(path), "%s/bus", m->fs_dir);
	} else {
		snprintf(path, sizeof(path), "af_bus-selftest-%d-%u", getpid(),
			 __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED));
	}
	m->salen = bus_path_addr(&m->sa, path, !fs);
	m->proto = proto;

	m->listen_fd = bus_socket(proto);
	if (m->listen_fd < 0) {
		err = m->listen_fd;
		goto err_dir;
	}
	if (maxqlen > 0 &&
	    setsockopt(m->listen_fd, SOL_BUS, BUS_SET_MAXQLEN, &maxqlen,
		       sizeof(maxqlen)))
		goto err_close;
	if (sendbuf > 0 &&
	    setsockopt(m->listen_fd, SOL_BUS, BUS_SET_SENDBUF, &sendbuf,
		       sizeof(sendbuf)))
		goto err_close;
	if (bind(m->listen_fd, (struct sockaddr *)&m->sa, m->salen))
		goto err_close;
	if (listen(m->listen_fd, 128))
		goto err_close;
	return 0;

err_close:
	err = -errno;
	close(m->listen_fd);
err_dir:
	m->listen_fd = -1;
	if (fs) {
		unlink(m->sa.sbus_path);
		rmdir(m->fs_dir);
	}
	return err;
}

void bus_master_close(struct bus_master *m)
{
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	m->listen_fd = -1;
	if (m->fs_dir[0]) {
		unlink(m->sa.sbus_path);
		rmdir(m->fs_dir);
		m->fs_dir[0] = 0;
	}
}

int bus_peer_connect(struct bus_master *m, struct bus_peer *p, bool join)
{
	int err;

	p->ctl = -1;
	p->fd = bus_socket(m->proto);
	if (p->fd < 0)
		return p->fd;
	if (connect(p->fd, (struct sockaddr *)&m->sa, m->salen))
		goto err_close;
	p->ctl = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (p->ctl < 0)
		goto err_close;
	err = bus_sock_addr(p->fd, &p->addr);
	if (err)
		goto err_close_ctl;
	if (join) {
		err = bus_join(p->ctl);
		if (err)
			goto err_close_ctl;
	}
	return 0;

err_close:
	err = -errno;
err_close_ctl:
	if (p->ctl >= 0)
		close(p->ctl);
	close(p->fd);
	p->fd = -1;
	p->ctl = -1;
	return err;
}

void bus_peer_close(struct bus_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->ctl >= 0)
		close(p->ctl);
	p->fd = -1;
	p->ctl = -1;
}

int bus_join(int ctl)
{
	return setsockopt(ctl, SOL_BUS, BUS_JOIN_BUS, NULL, 0) ? -errno : 0;
}

int bus_add_addr(int ctl, uint64_t addr)
{
	struct bus_addr a = { .s_addr = addr };

	return setsockopt(ctl, SOL_BUS, BUS_ADD_ADDR, &a, sizeof(a)) ? -errno : 0;
}

int bus_del_addr(int ctl, uint64_t addr)
{
	struct bus_addr a = { .s_addr = addr };

	return setsockopt(ctl, SOL_BUS, BUS_DEL_ADDR, &a, sizeof(a)) ? -errno : 0;
}

int bus_get_int(int fd, int opt, int *val)
{
	socklen_t len = sizeof(*val);

	if (getsockopt(fd, SOL_BUS, opt, val, &len))
		return -errno;
	return len == sizeof(*val) ? 0 : -EMSGSIZE;
}

int bus_sock_addr(int fd, uint64_t *addr)
{
	struct sockaddr_bus sa;
	socklen_t len = sizeof(sa);

	memset(&sa, 0xff, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -errno;
	if (len < SBUS_PATH_OFF || sa.sbus_family != AF_BUS)
		return -EPROTO;
	*addr = sa.sbus_addr.s_addr;
	return 0;
}

socklen_t bus_dest(struct sockaddr_bus *sa, uint64_t addr)
{
	memset(sa, 0, sizeof(*sa));
	sa->sbus_family = AF_BUS;
	sa->sbus_addr.s_addr = addr;
	return SBUS_PATH_OFF;
}

ssize_t bus_send(int fd, uint64_t addr, const void *buf, size_t len,
		 int flags)
{
	struct sockaddr_bus sa;
	socklen_t salen = bus_dest(&sa, addr);
	ssize_t n;

	n = sendto(fd, buf, len, flags | MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   salen);
	return n < 0 ? -errno : n;
}

ssize_t bus_recv(int fd, uint64_t *src, void *buf, size_t len, int flags)
{
	struct sockaddr_bus sa;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	memset(&sa, 0xff, sizeof(sa));
	n = recvmsg(fd, &msg, flags);
	if (n < 0)
		return -errno;
	if (src) {
		if (msg.msg_namelen < SBUS_PATH_OFF || sa.sbus_family != AF_BUS)
			return -EPROTO;
		*src = sa.sbus_addr.s_addr;
	}
	return n;
}

int bus_poll(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n = poll(&pfd, 1, timeout_ms);

	if (n < 0)
		return -errno;
	return n ? pfd.revents : 0;
}

ssize_t bus_send_fd(int fd, uint64_t addr, const void *buf, size_t len,
		    int passfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct sockaddr_bus sa;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &sa, .msg_namelen = bus_dest(&sa, addr),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	memset(&control, 0, sizeof(control));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &passfd, sizeof(int));
	n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

ssize_t bus_recv_fd(int fd, void *buf, size_t len, int *passfd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	*passfd = -1;
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_RIGHTS &&
		    cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(passfd, CMSG_DATA(cmsg), sizeof(int));
	return n;
}

int bus_fill(int from, uint64_t to)
{
	int n = 0;

	while (bus_send(from, to, &n, sizeof(n), MSG_DONTWAIT) == sizeof(n))
		n++;
	return n;
}

int bus_expect_one(int fd, uint64_t src, ssize_t len)
{
	uint64_t from = ~0ULL;
	char buf[256];
	ssize_t n;

	if (len >= 0) {
		n = bus_recv(fd, &from, buf, sizeof(buf), MSG_DONTWAIT);
		if (n != len || from != src) {
			printf("# fd %d: expected %zd bytes from %#llx, got %zd from %#llx\n",
			       fd, len, (unsigned long long)src, n,
			       (unsigned long long)from);
			return -1;
		}
	}
	n = bus_recv(fd, &from, buf, sizeof(buf), MSG_DONTWAIT);
	if (n != -EAGAIN) {
		printf("# fd %d: expected an empty queue, got %zd from %#llx\n",
		       fd, n, (unsigned long long)from);
		return -1;
	}
	return 0;
}

int bus_drain(int fd)
{
	char buf[256];
	int n = 0;

	while (bus_recv(fd, NULL, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

int drop_privileges(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (setgroups(0, NULL) || setresgid(NOGROUP, NOGROUP, NOGROUP) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
