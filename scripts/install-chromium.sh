#!/bin/sh
# Installs Debian's Chromium for the browser tests (docs/ui.md: test/e2e drives it
# through playwright-core at /usr/bin/chromium). Idempotent: does nothing when
# it is already there. Not root: says what to run and exits 0, so CI images that
# ship Chromium elsewhere can set CHROMIUM_PATH instead.
set -eu

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
	echo "install-chromium: $CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo unknown version))"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-chromium: $CHROMIUM is missing; not root, so not installing (run: sudo apt-get install -y chromium)"
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium: no apt-get on this machine; install Chromium by hand and set CHROMIUM_PATH" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-chromium: installing chromium"
if ! apt-get install -y --no-install-recommends chromium fonts-liberation; then
	# Stale package lists are the usual cause on a fresh machine or container.
	apt-get update
	apt-get install -y --no-install-recommends chromium fonts-liberation
fi
echo "install-chromium: done ($(/usr/bin/chromium --version 2>/dev/null || echo installed))"
