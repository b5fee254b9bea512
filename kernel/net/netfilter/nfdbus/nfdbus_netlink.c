// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: the generic netlink family "nfdbus", through which the bus
 * master configures nfdbus (include/uapi/linux/netfilter/nfdbus.h).
 *
 * Every request names a bus by its path, looked up in the network
 * namespace of the requesting socket. Only the master (the effective uid
 * that bound the bus) or a caller with CAP_NET_ADMIN over the bus's
 * namespace may use a bus; anyone else gets -EPERM. Attributes are
 * validated strictly (unknown ones are refused) and every error carries an
 * extended ack message.
 *
 * Locking: the family runs its operations in parallel (no genl_mutex);
 * each one looks the bus up (AF_BUS's locks), then takes nfdbus_mutex, the
 * writers' lock, for the rest. The per-bus state read under nfdbus_mutex
 * cannot be freed meanwhile: AF_BUS's release callback needs that mutex.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <net/af_bus.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "nfdbus_main.h"
#include "nfdbus_state.h"

static const struct nla_policy nfdbus_name_list_policy[NFDBUS_ATTR_NAME + 1] = {
	[NFDBUS_ATTR_UNSPEC]	= { .type = NLA_REJECT },
	[NFDBUS_ATTR_BUS_PATH]	= { .type = NLA_REJECT },
	[NFDBUS_ATTR_ADDR]	= { .type = NLA_REJECT },
	[NFDBUS_ATTR_RULE]	= { .type = NLA_REJECT },
	[NFDBUS_ATTR_NAME]	= { .type = NLA_NUL_STRING,
				    .len = NFDBUS_NAME_MAX },
};

static const struct nla_policy
nfdbus_policy_rule_policy[NFDBUS_POLICY_ATTR_MAX + 1] = {
	[NFDBUS_POLICY_ATTR_UNSPEC]	= { .type = NLA_REJECT },
	[NFDBUS_POLICY_ATTR_ACTION]	= NLA_POLICY_MAX(NLA_U8,
							 NFDBUS_POLICY_DENY),
	[NFDBUS_POLICY_ATTR_UID]	= { .type = NLA_U32 },
	[NFDBUS_POLICY_ATTR_DESTINATION] = { .type = NLA_NUL_STRING,
					     .len = NFDBUS_NAME_MAX },
	[NFDBUS_POLICY_ATTR_INTERFACE]	= { .type = NLA_NUL_STRING,
					    .len = NFDBUS_NAME_MAX },
	[NFDBUS_POLICY_ATTR_MEMBER]	= { .type = NLA_NUL_STRING,
					    .len = NFDBUS_NAME_MAX },
	[NFDBUS_POLICY_ATTR_TYPE]	= NLA_POLICY_RANGE(NLA_U8,
							   NFDBUS_MSG_METHOD_CALL,
							   NFDBUS_MSG_SIGNAL),
};

static const struct nla_policy nfdbus_nl_policy[NFDBUS_ATTR_MAX + 1] = {
	[NFDBUS_ATTR_UNSPEC]	= { .type = NLA_REJECT },
	[NFDBUS_ATTR_BUS_PATH]	= NLA_POLICY_RANGE(NLA_BINARY, 1, BUS_PATH_MAX),
	[NFDBUS_ATTR_ADDR]	= { .type = NLA_U64 },
	[NFDBUS_ATTR_RULE]	= { .type = NLA_NUL_STRING,
				    .len = NFDBUS_RULE_MAX },
	[NFDBUS_ATTR_NAME]	= { .type = NLA_NUL_STRING,
				    .len = NFDBUS_NAME_MAX },
	[NFDBUS_ATTR_NAMES]	= NLA_POLICY_NESTED(nfdbus_name_list_policy),
	[NFDBUS_ATTR_POLICY]	= NLA_POLICY_NESTED(nfdbus_policy_rule_policy),
	[NFDBUS_ATTR_STRICT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[NFDBUS_ATTR_STATS]	= { .type = NLA_REJECT },
	[NFDBUS_ATTR_PAD]	= { .type = NLA_REJECT },
};

/**
 * struct nfdbus_req - one request on one bus
 * @bus: the bus (a reference)
 * @nb: its nfdbus state; valid while nfdbus_mutex is held
 * @addr: NFDBUS_ATTR_ADDR, when the command needs it
 */
struct nfdbus_req {
	struct bus		*bus;
	struct nfdbus_bus	*nb;
	u64			addr;
};

static bool nfdbus_nl_allowed(const struct sk_buff *skb, const struct bus *bus)
{
	return uid_eq(current_euid(), bus_master_cred(bus)->euid) ||
	       netlink_ns_capable(skb, bus_net(bus)->user_ns, CAP_NET_ADMIN);
}

/* Find the bus, check permission and the address, take nfdbus_mutex. */
static int nfdbus_nl_begin(struct sk_buff *skb, struct genl_info *info,
			   struct nfdbus_req *req, bool need_addr)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *path = info->attrs[NFDBUS_ATTR_BUS_PATH];
	struct nlattr *addr = info->attrs[NFDBUS_ATTR_ADDR];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NFDBUS_ATTR_BUS_PATH))
		return -EINVAL;
	if (need_addr) {
		if (GENL_REQ_ATTR_CHECK(info, NFDBUS_ATTR_ADDR))
			return -EINVAL;
		req->addr = nla_get_u64(addr);
		if (BUS_ADDR_PREFIX(req->addr) != 0 ||
		    req->addr == BUS_MASTER_ADDR ||
		    BUS_ADDR_IS_MULTICAST(req->addr)) {
			NL_SET_ERR_MSG_ATTR(extack, addr,
					    "not the prefix-0 address of a peer");
			return -EINVAL;
		}
	}

	req->bus = bus_find_by_path(genl_info_net(info), nla_data(path),
				    nla_len(path));
	if (IS_ERR(req->bus)) {
		err = PTR_ERR(req->bus);
		NL_SET_ERR_MSG_ATTR(extack, path, "no bus is bound at this path");
		return err == -ECONNREFUSED ? -ENOENT : err;
	}
	if (!nfdbus_nl_allowed(skb, req->bus)) {
		NL_SET_ERR_MSG(extack,
			       "only the bus master or CAP_NET_ADMIN over its network namespace may do this");
		err = -EPERM;
		goto err_put;
	}

	mutex_lock(&nfdbus_mutex);
	rcu_read_lock();
	req->nb = bus_nf_priv(req->bus);
	rcu_read_unlock();
	if (!req->nb) {
		NL_SET_ERR_MSG_ATTR(extack, path,
				    "the bus is not filtered by nfdbus (not BUS_PROTO_DBUS, or bound before nfdbus loaded)");
		err = -EOPNOTSUPP;
		goto err_unlock;
	}
	if (need_addr && !bus_peer_connected(req->bus, req->addr)) {
		NL_SET_ERR_MSG_ATTR(extack, addr, "no peer on the bus has this address");
		err = -ENXIO;
		goto err_unlock;
	}
	return 0;

err_unlock:
	mutex_unlock(&nfdbus_mutex);
err_put:
	bus_put(req->bus);
	return err;
}

static int nfdbus_nl_end(struct nfdbus_req *req, int err)
{
	mutex_unlock(&nfdbus_mutex);
	bus_put(req->bus);
	return err;
}

/* Parse NFDBUS_ATTR_RULE into a new struct nfdbus_rule (kfree() it). */
static int nfdbus_nl_rule(struct genl_info *info, struct nfdbus_rule **rule)
{
	struct nlattr *attr = info->attrs[NFDBUS_ATTR_RULE];
	const char *text;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NFDBUS_ATTR_RULE))
		return -EINVAL;
	*rule = kmalloc(sizeof(**rule), GFP_KERNEL);
	if (!*rule)
		return -ENOMEM;
	text = nla_data(attr);
	err = nfdbus_rule_parse(text, strlen(text), *rule);
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "invalid match rule");
		kfree(*rule);
		*rule = NULL;
	}
	return err;
}

/* ADD_MATCH and REMOVE_MATCH: the same request, one table operation apart. */
static int nfdbus_nl_match(struct sk_buff *skb, struct genl_info *info,
			   bool add)
{
	struct nfdbus_rule *rule;
	struct nfdbus_req req;
	int err;

	err = nfdbus_nl_rule(info, &rule);
	if (err)
		return err;
	err = nfdbus_nl_begin(skb, info, &req, true);
	if (err)
		goto out;
	if (add) {
		err = nfdbus_add_match(req.nb, req.addr, rule);
		if (err == -ENOSPC)
			NL_SET_ERR_MSG(info->extack,
				       "the connection has as many match rules as allowed");
	} else {
		err = nfdbus_remove_match(req.nb, req.addr, rule);
		if (err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[NFDBUS_ATTR_RULE],
					    "the connection has no such rule");
	}
	err = nfdbus_nl_end(&req, err);
out:
	kfree(rule);
	return err;
}

static int nfdbus_nl_add_match(struct sk_buff *skb, struct genl_info *info)
{
	return nfdbus_nl_match(skb, info, true);
}

static int nfdbus_nl_remove_match(struct sk_buff *skb, struct genl_info *info)
{
	return nfdbus_nl_match(skb, info, false);
}

static int nfdbus_nl_remove_all(struct sk_buff *skb, struct genl_info *info)
{
	struct nfdbus_req req;
	int err;

	err = nfdbus_nl_begin(skb, info, &req, true);
	if (err)
		return err;
	nfdbus_remove_conn(req.nb, req.addr);
	return nfdbus_nl_end(&req, 0);
}

/* A well-known name the master may give a connection. */
static int nfdbus_nl_check_name(struct netlink_ext_ack *extack,
				const struct nlattr *attr)
{
	const char *name = nla_data(attr);
	size_t len = strlen(name);

	if (!nfdbus_valid_bus_name(name, len) || name[0] == ':') {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "not a valid well-known bus name (unique names are implied by the address)");
		return -EINVAL;
	}
	if (!strcmp(name, NFDBUS_DRIVER_NAME)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the bus driver's name belongs to the master");
		return -EINVAL;
	}
	return 0;
}

static int nfdbus_nl_name(struct sk_buff *skb, struct genl_info *info)
{
	bool add = info->genlhdr->cmd == NFDBUS_CMD_ADD_NAME;
	struct nlattr *attr = info->attrs[NFDBUS_ATTR_NAME];
	struct nfdbus_req req;
	const char *name;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NFDBUS_ATTR_NAME))
		return -EINVAL;
	err = nfdbus_nl_check_name(info->extack, attr);
	if (err)
		return err;
	err = nfdbus_nl_begin(skb, info, &req, true);
	if (err)
		return err;
	name = nla_data(attr);
	if (add)
		err = nfdbus_add_name(req.nb, req.addr, name, strlen(name));
	else
		err = nfdbus_del_name(req.nb, req.addr, name, strlen(name));
	switch (err) {
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "the connection owns this name already");
		break;
	case -EADDRINUSE:
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "another connection owns this name");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(info->extack,
			       "the connection owns as many names as allowed");
		break;
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "the connection does not own this name");
		break;
	}
	return nfdbus_nl_end(&req, err);
}

static int nfdbus_nl_set_names(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *names = info->attrs[NFDBUS_ATTR_NAMES], *attr;
	const char **list = NULL;
	struct nfdbus_req req;
	unsigned int n = 0;
	size_t *lens = NULL;
	int rem, err;

	if (GENL_REQ_ATTR_CHECK(info, NFDBUS_ATTR_NAMES))
		return -EINVAL;
	nla_for_each_nested(attr, names, rem) {
		err = nfdbus_nl_check_name(info->extack, attr);
		if (err)
			return err;
		if (++n > NFDBUS_MAX_NAMES_PER_CONN) {
			NL_SET_ERR_MSG_ATTR(info->extack, names,
					    "more names than a connection may own");
			return -E2BIG;
		}
	}
	if (n) {
		list = kcalloc(n, sizeof(*list), GFP_KERNEL);
		lens = kcalloc(n, sizeof(*lens), GFP_KERNEL);
		err = -ENOMEM;
		if (!list || !lens)
			goto out;
	}
	n = 0;
	nla_for_each_nested(attr, names, rem) {
		list[n] = nla_data(attr);
		lens[n] = strlen(list[n]);
		n++;
	}

	err = nfdbus_nl_begin(skb, info, &req, true);
	if (err)
		goto out;
	err = nfdbus_set_names(req.nb, req.addr, list, lens, n);
	if (err == -EINVAL)
		NL_SET_ERR_MSG_ATTR(info->extack, names, "a name is given twice");
	else if (err == -EADDRINUSE)
		NL_SET_ERR_MSG_ATTR(info->extack, names,
				    "another connection owns one of the names");
	err = nfdbus_nl_end(&req, err);
out:
	kfree(list);
	kfree(lens);
	return err;
}

/* Build a policy rule from the nested NFDBUS_ATTR_POLICY (validated). */
static int nfdbus_nl_policy_rule(struct genl_info *info,
				 struct nfdbus_policy_rule **out)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[NFDBUS_ATTR_POLICY];
	struct nlattr *tb[NFDBUS_POLICY_ATTR_MAX + 1];
	const char *dest = NULL, *iface = NULL, *member = NULL;
	struct nfdbus_policy_rule *p;
	kuid_t uid = INVALID_UID;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NFDBUS_ATTR_POLICY))
		return -EINVAL;
	err = nla_parse_nested(tb, NFDBUS_POLICY_ATTR_MAX, nest,
			       nfdbus_policy_rule_policy, extack);
	if (err)
		return err;
	if (!tb[NFDBUS_POLICY_ATTR_ACTION]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, NFDBUS_POLICY_ATTR_ACTION);
		NL_SET_ERR_MSG(extack, "a policy rule needs an action");
		return -EINVAL;
	}
	if (tb[NFDBUS_POLICY_ATTR_UID]) {
		uid = make_kuid(current_user_ns(),
				nla_get_u32(tb[NFDBUS_POLICY_ATTR_UID]));
		if (!uid_valid(uid)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFDBUS_POLICY_ATTR_UID],
					    "uid not mapped in the caller's user namespace");
			return -EINVAL;
		}
	}
	if (tb[NFDBUS_POLICY_ATTR_DESTINATION]) {
		dest = nla_data(tb[NFDBUS_POLICY_ATTR_DESTINATION]);
		if (!nfdbus_valid_bus_name(dest, strlen(dest))) {
			NL_SET_ERR_MSG_ATTR(extack,
					    tb[NFDBUS_POLICY_ATTR_DESTINATION],
					    "not a valid bus name");
			return -EINVAL;
		}
	}
	if (tb[NFDBUS_POLICY_ATTR_INTERFACE]) {
		iface = nla_data(tb[NFDBUS_POLICY_ATTR_INTERFACE]);
		if (!nfdbus_valid_interface(iface, strlen(iface))) {
			NL_SET_ERR_MSG_ATTR(extack,
					    tb[NFDBUS_POLICY_ATTR_INTERFACE],
					    "not a valid interface name");
			return -EINVAL;
		}
	}
	if (tb[NFDBUS_POLICY_ATTR_MEMBER]) {
		member = nla_data(tb[NFDBUS_POLICY_ATTR_MEMBER]);
		if (!nfdbus_valid_member(member, strlen(member))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFDBUS_POLICY_ATTR_MEMBER],
					    "not a valid member name");
			return -EINVAL;
		}
	}

	p = nfdbus_policy_alloc(dest, iface, member);
	if (!p)
		return -ENOMEM;
	p->action = nla_get_u8(tb[NFDBUS_POLICY_ATTR_ACTION]);
	if (uid_valid(uid)) {
		p->uid = uid;
		p->has |= NFDBUS_POLICY_HAS_UID;
	}
	if (tb[NFDBUS_POLICY_ATTR_TYPE]) {
		p->type = nla_get_u8(tb[NFDBUS_POLICY_ATTR_TYPE]);
		p->has |= NFDBUS_POLICY_HAS_TYPE;
	}
	*out = p;
	return 0;
}

static int nfdbus_nl_add_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nfdbus_policy_rule *p;
	struct nfdbus_req req;
	int err;

	err = nfdbus_nl_policy_rule(info, &p);
	if (err)
		return err;
	err = nfdbus_nl_begin(skb, info, &req, false);
	if (err)
		goto err_free;
	err = nfdbus_add_policy(req.nb, p);
	if (err) {
		NL_SET_ERR_MSG(info->extack,
			       "the bus has as many policy rules as allowed");
		nfdbus_nl_end(&req, err);
		goto err_free;
	}
	return nfdbus_nl_end(&req, 0);

err_free:
	kfree(p);
	return err;
}

static int nfdbus_nl_flush_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nfdbus_req req;
	int err;

	err = nfdbus_nl_begin(skb, info, &req, false);
	if (err)
		return err;
	nfdbus_flush_policy(req.nb);
	return nfdbus_nl_end(&req, 0);
}

static int nfdbus_nl_set_strict(struct sk_buff *skb, struct genl_info *info)
{
	struct nfdbus_req req;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NFDBUS_ATTR_STRICT))
		return -EINVAL;
	err = nfdbus_nl_begin(skb, info, &req, false);
	if (err)
		return err;
	WRITE_ONCE(req.nb->strict, nla_get_u8(info->attrs[NFDBUS_ATTR_STRICT]));
	return nfdbus_nl_end(&req, 0);
}

static struct genl_family nfdbus_family;

static const u8 nfdbus_counters[] = {
	NFDBUS_STATS_PARSED,
	NFDBUS_STATS_ACCEPTED,
	NFDBUS_STATS_DROPPED_MALFORMED,
	NFDBUS_STATS_DROPPED_NO_MATCH,
	NFDBUS_STATS_DROPPED_POLICY,
	NFDBUS_STATS_DROPPED_SPOOFED,
	NFDBUS_STATS_MESSAGES,
};

static int nfdbus_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct nfdbus_req req;
	struct sk_buff *msg;
	struct nlattr *nest;
	unsigned int i;
	void *hdr;
	int err;

	msg = genlmsg_new(nla_total_size(0) + ARRAY_SIZE(nfdbus_counters) *
			  nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = nfdbus_nl_begin(skb, info, &req, false);
	if (err)
		goto err_free;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &nfdbus_family, 0,
				NFDBUS_CMD_GET_STATS);
	if (!hdr)
		goto err_end;
	nest = nla_nest_start(msg, NFDBUS_ATTR_STATS);
	if (!nest)
		goto err_end;
	for (i = 0; i < ARRAY_SIZE(nfdbus_counters); i++)
		if (nla_put_u64_64bit(msg, nfdbus_counters[i],
				      atomic64_read(&req.nb->stats[nfdbus_counters[i]]),
				      NFDBUS_STATS_PAD))
			goto err_end;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	nfdbus_nl_end(&req, 0);
	return genlmsg_reply(msg, info);

err_end:
	nfdbus_nl_end(&req, err);
err_free:
	nlmsg_free(msg);
	return err;
}

static const struct genl_small_ops nfdbus_nl_ops[] = {
	{ .cmd = NFDBUS_CMD_ADD_MATCH, .doit = nfdbus_nl_add_match },
	{ .cmd = NFDBUS_CMD_REMOVE_MATCH, .doit = nfdbus_nl_remove_match },
	{ .cmd = NFDBUS_CMD_REMOVE_ALL, .doit = nfdbus_nl_remove_all },
	{ .cmd = NFDBUS_CMD_SET_NAMES, .doit = nfdbus_nl_set_names },
	{ .cmd = NFDBUS_CMD_ADD_NAME, .doit = nfdbus_nl_name },
	{ .cmd = NFDBUS_CMD_DEL_NAME, .doit = nfdbus_nl_name },
	{ .cmd = NFDBUS_CMD_ADD_POLICY, .doit = nfdbus_nl_add_policy },
	{ .cmd = NFDBUS_CMD_FLUSH_POLICY, .doit = nfdbus_nl_flush_policy },
	{ .cmd = NFDBUS_CMD_SET_STRICT, .doit = nfdbus_nl_set_strict },
	{ .cmd = NFDBUS_CMD_GET_STATS, .doit = nfdbus_nl_get_stats },
};

static struct genl_family nfdbus_family __ro_after_init = {
	.name		= NFDBUS_GENL_NAME,
	.version	= NFDBUS_GENL_VERSION,
	.maxattr	= NFDBUS_ATTR_MAX,
	.policy		= nfdbus_nl_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.small_ops	= nfdbus_nl_ops,
	.n_small_ops	= ARRAY_SIZE(nfdbus_nl_ops),
	.resv_start_op	= NFDBUS_CMD_GET_STATS + 1,
};

/**
 * nfdbus_netlink_init() - register the generic netlink family "nfdbus"
 *
 * Return: 0 or a negative errno.
 */
int nfdbus_netlink_init(void)
{
	return genl_register_family(&nfdbus_family);
}

/**
 * nfdbus_netlink_exit() - unregister it; no operation runs afterwards
 */
void nfdbus_netlink_exit(void)
{
	genl_unregister_family(&nfdbus_family);
}
