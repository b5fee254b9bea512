#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# examples_test.sh AFBUS_CALL AFBUS_SIGNALS DBUS_DAEMON_CONF: the two
# examples against a private dbus-daemon configured from the template
# DBUS_DAEMON_CONF (tests/data/dbus-daemon.conf). afbus-call asks the bus
# for its id and for the owner of a name nobody has; afbus-signals waits for
# one signal, which dbus-send emits until it has been seen (the subscriber
# says nothing when its AddMatch is in place, so the sender repeats; bounded
# by a deadline).
set -euo pipefail

call=$1
signals=$2
template=${3:?usage: examples_test.sh AFBUS_CALL AFBUS_SIGNALS DBUS_DAEMON_CONF}
dir=$(mktemp -d)
daemon=
listener=
cleanup() {
	[[ -n $listener ]] && kill "$listener" 2>/dev/null || true
	[[ -n $daemon ]] && kill "$daemon" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

sed "s|{listen}|unix:path=$dir/bus|" "$template" >"$dir/session.conf"
dbus-daemon --config-file="$dir/session.conf" --nofork --nopidfile --print-address=1 >"$dir/address" &
daemon=$!
for _ in $(seq 100); do
	[[ -s $dir/address ]] && break
	sleep 0.1
done
address=$(head -n1 "$dir/address")
[[ -n $address ]] || { echo "dbus-daemon did not start"; exit 1; }

id=$("$call" --address "$address" org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId)
[[ $id =~ ^[0-9a-f]{32}$ ]] || { echo "GetId gave '$id'"; exit 1; }
echo "afbus-call GetId: $id"

set +e
"$call" --address "$address" org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
	GetNameOwner org.afbus.Nobody 2>"$dir/err"
rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q NameHasNoOwner "$dir/err" || { echo "error reply: rc $rc, $(cat "$dir/err")"; exit 1; }
echo "afbus-call error reply: $(head -n1 "$dir/err")"

"$signals" --address "$address" --count 1 --timeout 10000 \
	"type='signal',interface='org.afbus.Example',member='Hello'" >"$dir/signals" &
listener=$!
for _ in $(seq 100); do
	kill -0 "$listener" 2>/dev/null || break
	DBUS_SESSION_BUS_ADDRESS=$address dbus-send --session --type=signal /org/afbus/Example \
		org.afbus.Example.Hello string:"from dbus-send"
	sleep 0.1
done
wait "$listener"
listener=
grep -q "org.afbus.Example.Hello from dbus-send" "$dir/signals" || { echo "signals: $(cat "$dir/signals")"; exit 1; }
echo "afbus-signals: $(head -n1 "$dir/signals")"
