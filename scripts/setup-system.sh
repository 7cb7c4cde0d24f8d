#!/usr/bin/env bash
# System packages the reports and their tests use: a CJK font for Chinese chart
# labels and headless Chromium for the browser test.  Installs them with apt when
# running as root and they are missing; otherwise says what is missing and goes on.
set -u
need=()
fc-list 2>/dev/null | grep -qiE "Noto Sans CJK|WenQuanYi|Source Han" || need+=(fonts-noto-cjk)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${need[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null) \
    || echo "Could not install ${need[*]}; Chinese labels or the browser test may be skipped."
else
  echo "Missing system packages: ${need[*]} (install them with your package manager; the browser test is skipped without chromium)."
fi
exit 0
