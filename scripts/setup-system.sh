#!/usr/bin/env bash
# System packages the reports and their tests use: a CJK font for Chinese chart
# labels, headless Chromium for the browser test, and a Java 17 runtime for the
# Spark engine (engine: spark; pyspark is the `spark` extra), the last only when called
# with the argument `spark` (make test).  Installs them with apt when running as root and
# they are missing; otherwise says what is missing and goes on.
set -u
need=()
fc-list 2>/dev/null | grep -qiE "Noto Sans CJK|WenQuanYi|Source Han" || need+=(fonts-noto-cjk)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
java_ok() { local j="${JAVA_HOME:+$JAVA_HOME/bin/}java"; command -v "$j" >/dev/null 2>&1 &&
  "$j" -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; }
[ "${1:-}" = spark ] && { java_ok || need+=(openjdk-17-jre-headless); }
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${need[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null) \
    || echo "Could not install ${need[*]}; Chinese labels, the browser test or the Spark tests may be skipped."
else
  echo "Missing system packages: ${need[*]} (install them with your package manager; the browser test is skipped without chromium," \
       "engine: spark and its tests need Java 17, e.g. Temurin 17 on macOS: brew install --cask temurin@17)."
fi
exit 0
