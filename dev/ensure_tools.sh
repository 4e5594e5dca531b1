#!/usr/bin/env bash
# Installs nats-server, PostgreSQL, curl and jq (the documented examples use both), and any packages
# named as arguments, from Debian's packages when they are missing.
set -euo pipefail

# Extra Debian packages named as arguments (e.g. `wrk` for the benchmarks) are installed too.
missing=()
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
for tool in jq curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
for extra in "$@"; do
  command -v "$extra" >/dev/null 2>&1 || missing+=("$extra")
done
if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null && ! command -v postgres >/dev/null 2>&1; then
  missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing ${missing[*]}: install with 'sudo apt-get install ${missing[*]}'" >&2
  exit 1
fi
echo "Installing ${missing[*]} from apt…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Debian starts a default cluster on 5432; the project runs its own, so stop that one.
if [[ " ${missing[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
  for cluster in /etc/postgresql/*/main; do
    [ -d "$cluster" ] || continue
    version=$(basename "$(dirname "$cluster")")
    pg_ctlcluster "$version" main stop >/dev/null 2>&1 || true
  done
fi
