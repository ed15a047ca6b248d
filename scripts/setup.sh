#!/usr/bin/env bash
# Set up everything the app (and, with `test`, the tests) need on a fresh machine. Idempotent.
#   scripts/setup.sh run    Python packages + the map's JavaScript/CSS
#   scripts/setup.sh test   the same + test tools + Debian's Chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
PY=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
reqs=requirements.txt
[ "$mode" = test ] && reqs=requirements-dev.txt
stamp=.venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$mode
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$reqs"
  touch "$stamp"
fi

bash scripts/vendor_assets.sh

if [ "$mode" = test ]; then
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing Debian's chromium for the browser tests…"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "browser tests need Debian's chromium: sudo apt-get install chromium" >&2
      [ "${CI:-}" = true ] && exit 1
    fi
  fi
fi
