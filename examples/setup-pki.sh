#!/bin/sh
# SPDX-License-Identifier: ISC
# setup-pki.sh DIR -- a working directory for the examples: the test PKI
# (tests/tls/gen-pki.sh) under DIR/pki, the names the examples use, and a
# copy of the example configurations.  Run ectls from DIR.
set -eu
[ $# -eq 1 ] || { echo "usage: setup-pki.sh DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
cd "$1"
if [ ! -f pki/client.crt ]; then
	sh "$top/tests/tls/gen-pki.sh" pki >/dev/null
fi
# The seed page's names.
mkdir -p path/to/customer1
cp pki/customer1.key path/to/customer1.key
cp pki/customer1.crt path/to/customer1.cert
cp pki/customer2.crt path/to/customer2.cert
cp pki/ca-bundle.pem path/to/customer1/partners.cabundle
chmod 600 path/to/customer1.key
cp "$top"/examples/*.conf "$top"/examples/seed/*.conf .
