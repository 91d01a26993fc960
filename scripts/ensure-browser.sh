#!/bin/sh
# Installs Debian's Chromium for the browser test when it is missing (npm runs this before
# `npm test`). It fails loudly when it cannot: the console test must not skip silently.
set -e
CHROMIUM="${RF_WS_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
echo "ensure-browser: $CHROMIUM not found; installing Debian's chromium" >&2
if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "ensure-browser: need root (or sudo) to apt-get install chromium" >&2; exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then echo "ensure-browser: chromium is still missing after apt-get" >&2; exit 1; fi
echo "ensure-browser: installed $($CHROMIUM --version 2>/dev/null)" >&2
