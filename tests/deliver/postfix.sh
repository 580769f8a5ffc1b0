#!/bin/sh
# SPDX-License-Identifier: ISC
# postfix.sh -- a private Postfix on 127.0.0.1 for the delivery tests
# (facts: ../shared/notes/postfix-on-loopback.md).  Runs as root.
#
#   postfix.sh start DIR PKI PORT_TLS PORT_PLAIN DOMAINS...
#       writes DIR/main.cf and DIR/master.cf, starts the instance and waits
#       until both ports accept connections.  PORT_TLS offers STARTTLS
#       (server certificate PKI/mx.crt, client certificates asked for and
#       recorded in the Received header); PORT_PLAIN does not offer it.
#       Mail for DOMAINS lands in the Maildir DIR/mail/box/.
#       PF_TLS_LOGLEVEL (default 1) is smtpd_tls_loglevel: 2 also logs
#       "Reusing old session" for every resumed TLS session.
#   postfix.sh stop DIR
#       stops it and takes DIR out of alternate_config_directories.
set -eu

pf_wait_port() {
	python3 - "$1" <<'PY'
import socket, sys, time
end = time.monotonic() + 15
while time.monotonic() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

case "${1:-}" in
start)
	[ $# -ge 6 ] || { echo "usage: postfix.sh start DIR PKI PORT_TLS PORT_PLAIN DOMAINS..." >&2; exit 2; }
	D=$2 PKI=$3 PT=$4 PP=$5
	shift 5
	mkdir -p "$D/queue" "$D/data" "$D/mail/box"
	chown postfix:postfix "$D/data" "$D/mail" "$D/mail/box"
	# Postfix's unprivileged processes must reach their directories.
	p=$D
	while [ "$p" != / ] && [ -n "$p" ]; do
		chmod o+x "$p" 2>/dev/null || true
		p=$(dirname "$p")
	done
	uid=$(id -u postfix) gid=$(id -g postfix)
	cat >"$D/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $D/queue
data_directory = $D/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.example.test
mydomain = example.test
myorigin = mx.example.test
mydestination =
mynetworks = 127.0.0.0/8
maillog_file = $D/maillog
maillog_file_prefixes = $D
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = $*
virtual_mailbox_base = $D/mail
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
smtpd_tls_cert_file = $PKI/mx.crt
smtpd_tls_key_file = $PKI/mx.key
smtpd_tls_CAfile = $PKI/root.crt
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_tls_ask_ccert = yes
smtpd_tls_loglevel = ${PF_TLS_LOGLEVEL:-1}
CF
	# The stock services, none chrooted; our two listeners instead of :25.
	awk -v pt="$PT" -v pp="$PP" '
	    /^#/ || /^$/ { print; next }
	    /^[ \t]/ { if (!skip) print; next }
	    { skip = 0 }
	    $1 == "smtp" && $2 == "inet" { skip = 1; next }
	    { $5 = "n"; print }
	    END {
		print "127.0.0.1:" pt " inet n - n - - smtpd"
		print "127.0.0.1:" pp " inet n - n - - smtpd"
		print "  -o smtpd_tls_security_level=none"
	    }' /etc/postfix/master.cf >"$D/master.cf"
	grep -q '^postlog' "$D/master.cf" ||
	    echo "postlog unix-dgram n - n - 1 postlogd" >>"$D/master.cf"
	old=$(postconf -h alternate_config_directories)
	case " $old " in
	*" $D "*) ;;
	*) postconf -e "alternate_config_directories = ${old:+$old }$D" ;;
	esac
	postfix -c "$D" start >"$D/start.out" 2>&1 || {
		cat "$D/start.out" "$D/maillog" 2>/dev/null | tail -20 >&2
		exit 1
	}
	pf_wait_port "$PT" && pf_wait_port "$PP" || {
		echo "postfix.sh: ports $PT/$PP not listening" >&2
		tail -20 "$D/maillog" >&2 2>/dev/null
		exit 1
	}
	;;
stop)
	[ $# -eq 2 ] || { echo "usage: postfix.sh stop DIR" >&2; exit 2; }
	D=$2
	if [ -f "$D/main.cf" ]; then
		postfix -c "$D" stop >/dev/null 2>&1 || true
	fi
	old=$(postconf -h alternate_config_directories)
	new=$(printf '%s\n' $old | grep -vxF "$D" | tr '\n' ' ' | sed 's/ $//')
	if [ "$new" != "$old" ]; then
		postconf -e "alternate_config_directories = $new"
	fi
	;;
*)
	echo "usage: postfix.sh start|stop ..." >&2
	exit 2
	;;
esac
