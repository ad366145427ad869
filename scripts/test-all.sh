#!/usr/bin/env bash
# The one test command (`npm test`, `.ci/run`). Works on a fresh Debian 12 machine as root
# with no stdin: installs what is missing, typechecks, builds the web app, then runs every
# suite (Vitest, then the browser journeys) inside ONE loopback-only network namespace, so
# WebRTC traffic never leaves 127.0.0.0/8 and no port can clash with anything else running.
# Prints one closing line `N passed, N failed` and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CI="${CI:-true}" DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- inside the namespace
if [[ "${1:-}" == "--in-netns" ]]; then
  ip link set lo up
  OUT="$2"
  rc=0
  echo "== vitest (unit, contract, integration)"
  # The JSON reporter's file is what we count; the default reporter is for people.
  # `timeout` bounds a hung suite so CI (90 minutes) always gets an answer. The bounds are
  # hang guards, not targets (Vitest ~2 min and the journeys ~14 min on an idle machine;
  # at load 20-30 a healthy run took 550 s and 1,474 s); together they stay inside CI's 90.
  timeout --kill-after=20 900 npx vitest run --reporter=default --reporter=json \
    --outputFile.json="$OUT/vitest.json" </dev/null || rc=1
  shopt -s nullglob globstar
  # Node's own test runner: spec → terminal, tap → file for counting.
  run_node_tests() { # <tap file> <timeout s> <files...>
    local tap=$1 limit=$2
    shift 2
    timeout --kill-after=20 "$limit" node --import tsx --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" "$@" </dev/null
  }
  node_unit=(scripts/*.test.ts bench/**/*.test.ts)
  if ((${#node_unit[@]})); then
    echo "== node:test unit tests (scripts, bench tools)"
    run_node_tests "$OUT/node-unit.tap" 300 "${node_unit[@]}" || rc=1
  fi
  e2e_files=(e2e/*.test.ts)
  if ((${#e2e_files[@]})); then
    # Concurrency 1: the journeys share two cores; several meshes at once would starve them.
    echo "== e2e (real Chromium, node:test)"
    run_node_tests "$OUT/e2e.tap" 3000 "${e2e_files[@]}" || rc=1
  fi
  exit "$rc"
fi

START=$(date +%s)
log() { printf '\n== %s\n' "$*"; }

# ---------------------------------------------------------------- system packages
# command → Debian package; only what is missing is installed (apt-get update once).
# firefox-esr is the second engine of e2e/firefox.test.ts; Xvfb gives it a screen to share
# (Firefox has no fake screen capture, and headless Firefox cannot capture at all).
declare -A NEED=([chromium]=chromium [ffprobe]=ffmpeg [turnserver]=coturn
  [redis-server]=redis-server [nginx]=nginx [ip]=iproute2 [unshare]=util-linux
  [timeout]=coreutils [iptables]=iptables [firefox-esr]=firefox-esr [Xvfb]=xvfb)
missing=()
for cmd in "${!NEED[@]}"; do
  # nginx lives in /usr/sbin, which a non-login root shell may not have on PATH.
  command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd || -x /usr/bin/$cmd ]] ||
    missing+=("${NEED[$cmd]}")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing packages (${missing[*]}) and not root: install them and rerun" >&2
    exit 2
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
export PATH="$PATH:/usr/sbin:/sbin"

# ---------------------------------------------------------------- node dependencies
if [[ ! -d node_modules ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund
else
  echo "node_modules present: skipping npm ci"
fi

log "typecheck"
npm run typecheck

OUT=$(mktemp -d "${TMPDIR:-/tmp}/meshmeet-test.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

log "build web app"
# Into this run's own directory: the journeys test exactly this build, and a build
# started elsewhere meanwhile (which empties apps/web/dist) cannot pull chunks away
# from pages under test.
npm run build -w @meshmeet/web -- --outDir "$OUT/web-dist" --emptyOutDir
export MESHMEET_WEB_DIST="$OUT/web-dist"

# ---------------------------------------------------------------- suites in one namespace
# Root may create a network namespace directly; otherwise (or in a container without
# CAP_SYS_ADMIN) map ourselves to root in a user namespace first.
if unshare -n true 2>/dev/null; then
  UNSHARE=(unshare -n)
elif unshare -r -n true 2>/dev/null; then
  UNSHARE=(unshare -r -n)
else
  echo "cannot create a network namespace (unshare -n and unshare -rn both refused):" >&2
  echo "run as root, or allow unprivileged user namespaces" >&2
  exit 2
fi
# On a machine shared with other people's browser runs, MESHMEET_TEST_LOCK names a lock file
# they also take (flock): the suites then run only while holding it, so browsers of other
# runs never starve the timing-sensitive tests. `-o`: the tests do not inherit the lock, so
# a process they leave behind cannot keep it.
LOCK=()
if [[ -n ${MESHMEET_TEST_LOCK:-} ]]; then
  log "waiting for $MESHMEET_TEST_LOCK"
  LOCK=(flock -o "$MESHMEET_TEST_LOCK")
fi
suites_rc=0
"${LOCK[@]}" "${UNSHARE[@]}" bash "$ROOT/scripts/test-all.sh" --in-netns "$OUT" || suites_rc=$?

# ---------------------------------------------------------------- one combined count
# Every report the suites were expected to write; a missing one counts as a failure.
reports=("vitest=$OUT/vitest.json")
shopt -s nullglob globstar
node_unit=(scripts/*.test.ts bench/**/*.test.ts)
((${#node_unit[@]})) && reports+=("tap=$OUT/node-unit.tap")
e2e_files=(e2e/*.test.ts)
((${#e2e_files[@]})) && reports+=("tap=$OUT/e2e.tap")
read -r vpass vfail < <(node --import tsx scripts/count-results.ts "${reports[@]}")
ELAPSED=$(($(date +%s) - START))
log "summary (${ELAPSED}s)"
echo "suites exit code: ${suites_rc}"
if ((suites_rc != 0 && vfail == 0)); then
  # e.g. Vitest's "unhandled errors" (exit 1 with every test passed), or a runner killed
  # by its time limit: never let the closing line read as a clean run.
  echo "a runner exited non-zero without a failed test (unhandled errors or time limit): counted as 1 failure"
  vfail=1
fi
echo "${vpass} passed, ${vfail} failed"
if ((suites_rc != 0 || vfail != 0)); then exit 1; fi
