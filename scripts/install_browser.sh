#!/usr/bin/env bash
# Debian's Chromium for the HTML report's browser test (tests/test_html_report.py drives it
# with playwright; no browser is downloaded from elsewhere). Does nothing where one is installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: no chromium on PATH and no apt-get to install it; install Chromium, or run the tests" \
       "without SCHEDRL_REQUIRE_BROWSER=1 (the browser test is then skipped)" >&2
  exit 2
fi
sudo=()
if [ "$(id -u)" != 0 ]; then sudo=(sudo); fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium >/dev/null
echo "chromium: $(command -v chromium)"
