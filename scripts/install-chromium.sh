#!/bin/sh
# Installs Debian's Chromium for the browser tests (docs/ui.md: test/e2e drives it through
# playwright-core at /usr/bin/chromium, or CHROMIUM_PATH). Idempotent: does
# nothing when it is already there.
#
#   sh scripts/install-chromium.sh              CI and by hand: installs it when
#                                               root; otherwise says what to run
#                                               and exits 0 (an image may ship
#                                               Chromium elsewhere: CHROMIUM_PATH).
#   sh scripts/install-chromium.sh --for-tests  `npm test` (package.json pretest):
#                                               silent when present; installs it
#                                               when root with apt; otherwise
#                                               stops the tests at once with one
#                                               line saying what to run.
set -eu

FOR_TESTS=0
[ "${1:-}" = "--for-tests" ] && FOR_TESTS=1
DEBIAN_CHROMIUM=/usr/bin/chromium
CHROMIUM="${CHROMIUM_PATH:-$DEBIAN_CHROMIUM}"

say() { echo "install-chromium: $*"; }
# One line on stderr and a failing exit: npm stops before any test runs.
stop() {
	echo "npm test: $*" >&2
	exit 1
}

if [ -x "$CHROMIUM" ]; then
	[ "$FOR_TESTS" = 1 ] && exit 0
	say "$CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo unknown version))"
	exit 0
fi
if [ "$CHROMIUM" != "$DEBIAN_CHROMIUM" ]; then
	# apt puts Debian's Chromium at /usr/bin/chromium, which would not be this path.
	[ "$FOR_TESTS" = 1 ] && stop "CHROMIUM_PATH=$CHROMIUM is not an executable; point it at Chromium, or unset it and run: sudo apt-get install -y chromium"
	say "CHROMIUM_PATH=$CHROMIUM is not an executable" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	[ "$FOR_TESTS" = 1 ] && stop "the browser tests need Chromium at $CHROMIUM; run: sudo apt-get install -y chromium (or set CHROMIUM_PATH), then npm test again"
	say "$CHROMIUM is missing; not root, so not installing (run: sudo apt-get install -y chromium)"
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	[ "$FOR_TESTS" = 1 ] && stop "the browser tests need Chromium and this machine has no apt-get; install Chromium and set CHROMIUM_PATH, then npm test again"
	say "no apt-get on this machine; install Chromium by hand and set CHROMIUM_PATH" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing Debian's chromium for the browser tests (once; about a minute)"
if ! apt-get install -y --no-install-recommends chromium fonts-liberation; then
	# Stale package lists are the usual cause on a fresh machine or container.
	apt-get update
	apt-get install -y --no-install-recommends chromium fonts-liberation
fi
[ -x "$CHROMIUM" ] || stop "apt-get installed chromium but $CHROMIUM is still missing; install it by hand or set CHROMIUM_PATH"
say "done ($("$CHROMIUM" --version 2>/dev/null || echo installed))"
