#!/usr/bin/env bash
# `npm run bench [-- --quick] [-- --only signaling,web] [-- --strict]`
# Makes sure what the benchmarks need is installed (same idea as scripts/test-all.sh:
# install only what is missing), raises the open-file limit for the 10,000-participant
# run, then hands over to bench/run.ts, which runs each benchmark and prints one table.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/sbin:/sbin"

# Which benchmarks will run decides which system packages are needed.
only=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --only) only="${args[$((i + 1))]:-}" ;;
    --only=*) only="${args[$i]#--only=}" ;;
  esac
done
wants() { [[ -z "$only" || ",$only," == *",$1,"* ]]; }

declare -A NEED=([ip]=iproute2 [unshare]=util-linux)
wants signaling && NEED[redis-server]=redis-server
if (wants web && [[ -f bench/web/main.ts ]]) || (wants recording && [[ -f bench/recording/main.ts ]]) ||
  (wants mesh && [[ -f bench/mesh/main.ts ]]); then
  NEED[chromium]=chromium
  NEED[ffprobe]=ffmpeg
fi
if wants network && [[ -f bench/network/main.ts ]]; then
  NEED[chromium]=chromium
  NEED[ffmpeg]=ffmpeg
  NEED[turnserver]=coturn
  NEED[iptables]=iptables
fi
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
if ((${#missing[@]})); then
  echo "== installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing packages (${missing[*]}) and not root: install them and rerun" >&2
    exit 2
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -d node_modules ]]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

# 10,000 WebSockets in the server plus the same number in the load generators: the
# default soft limit (often 1024) is far too low. Raise soft to hard, and hard too when
# root may (CAP_SYS_RESOURCE); the bench reports the limit it actually got.
want=65536
if (($(ulimit -Hn) < want)); then ulimit -Hn "$want" 2>/dev/null || true; fi
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
echo "== open-file limit: $(ulimit -n)"

exec node --import tsx bench/run.ts "$@"
