#!/usr/bin/env bash
# The whole ModMesh test suite, as CI runs it: installs what the tests need (Debian packages), builds with
# warnings as errors, then runs every test project inside a loopback-only network namespace so that no test can
# reach the internet (proxy.golang.org included) even by mistake.
#
#   bash scripts/test.sh              # everything
#   bash scripts/test.sh Protocol     # only test projects whose name contains "Protocol"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
filter="${1:-}"
configuration="${CONFIGURATION:-Release}"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

# 1. Real components: go client, git, redis-server, nginx, prometheus (+ promtool), chromium (the status page's
#    browser test drives /usr/bin/chromium with Playwright; never a downloaded browser), Debian Go sources for the module
#    corpus. The tests start their own prometheus (free loopback port, temporary storage); the package's systemd
#    service is neither needed nor used.
packages=(golang-go git redis-server nginx wrk iproute2 util-linux python3 prometheus chromium)
while read -r p; do [ -n "$p" ] && [ "${p#\#}" = "$p" ] && packages+=("$p"); done < tests/corpus-packages.txt
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the prometheus service on systemd hosts (port 9090, /var/lib/prometheus): the tests run their own.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi
# node + npm run the S3-compatible test server; a machine may already have them from elsewhere (keep those).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "installing nodejs npm"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -f .tools/node_modules/s3rver/bin/s3rver.js ]; then
  say "installing the S3-compatible test server (s3rver) under .tools/"
  npm install --prefix .tools --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null
fi
command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH; install .NET 10 SDK first"
command -v go >/dev/null || die "go is missing after install (Debian package golang-go)"

# 2. Build once, warnings as errors.
say "building ($configuration)"
dotnet build ModMesh.sln -c "$configuration" -warnaserror -nologo -v:q -clp:NoSummary

# 3. Test, offline by construction.
projects=()
for p in tests/*/*.Tests.csproj; do
  if [ -z "$filter" ] || [[ "$p" == *"$filter"* ]]; then projects+=("$p"); fi
done
[ "${#projects[@]}" -gt 0 ] || die "no test project matches '$filter'"

results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
run_tests() {
  local status=0 p
  for p in "$@"; do
    echo "--- $(basename "$p" .csproj)"
    dotnet test "$p" -c "$configuration" --no-build --nologo \
      --logger "trx;LogFilePrefix=$(basename "$p" .csproj)" --results-directory "$results" \
      --logger "console;verbosity=minimal" || status=1
  done
  return $status
}
export -f run_tests
# Tests that save artifacts (the status page's screenshots) put them here too.
export MODMESH_TEST_RESULTS="$results"
export configuration results

netns=(unshare -n)
[ "$(id -u)" -eq 0 ] || netns=(unshare -r -n)
say "testing ${#projects[@]} project(s) in a loopback-only network namespace"
started=$(date +%s)
set +e
"${netns[@]}" -- bash -c 'ip link set lo up && run_tests "$@"' bash "${projects[@]}"
status=$?
set -e
elapsed=$(( $(date +%s) - started ))

# 4. One closing line over every project, from the TRX files.
python3 - "$results" "$elapsed" <<'PY' || true
import sys, glob, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find(".//{*}Counters")
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"\ntest phase took {sys.argv[2]} s")
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
