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
# Compile the rebalancer's inner loops once (numba caches them next to the code), so no page waits for it.
.venv/bin/python -c "from territory.search import warm_up; warm_up()"

if [ "$mode" = test ]; then
  # Debian packages the tests use: chromium (browser tests), postgresql (storage tests also run on PostgreSQL).
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing Debian's ${missing[*]} for the tests…"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "the tests need Debian's ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
      [ "${CI:-}" = true ] && exit 1
    fi
  fi
fi
