#!/bin/sh
# Installs the engines behind the benchmark peers (docs/benchmarks.md): Redis 7 and PostgreSQL from
# Debian's packages. Idempotent: installs only what is missing. Not root: says so, exits 0,
# and leaves it to `npm run bench` to report which peers it cannot run.
set -eu

missing=""
if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
	missing="$missing redis-server"
fi
# The server binaries live under /usr/lib/postgresql/<major>/bin, not on PATH.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
	missing="$missing postgresql"
fi

if [ -z "$missing" ]; then
	echo "install-services: redis-server and postgresql are already installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-services: missing:$missing; not root, so not installing (run: sudo apt-get install -y$missing)"
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-services: missing:$missing; no apt-get on this machine, install them by hand" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-services: installing:$missing"
# shellcheck disable=SC2086 # word splitting of the package list is intended
if ! apt-get install -y --no-install-recommends $missing; then
	# Stale package lists are the usual cause on a fresh machine or container.
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
fi
echo "install-services: done"
