#!/usr/bin/env bash
# Installs what building, running and testing Basalt needs on Debian 12 (as root, or with sudo).
# Idempotent: does nothing when everything is present, unless --update is given (CI), which
# refreshes the package lists first as a fresh machine needs. --sanitize adds Clang and its
# sanitizer runtimes, which the ASan+UBSan build uses (scripts/test with BASALT_SANITIZE=1).
set -euo pipefail
update=0
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --update) update=1 ;;
    --sanitize) sanitize=1 ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpq-dev libssl-dev libcrypt-dev libqrencode-dev libcurl4-openssl-dev libfmt-dev libspdlog-dev libcli11-dev libtomlplusplus-dev
  libgoogle-perftools-dev
  libgtest-dev libgmock-dev
  postgresql-15 postgresql-client-15
  ca-certificates curl
)
if [ "$sanitize" = 1 ]; then packages+=(clang libclang-rt-14-dev); fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm installs the end-to-end test packages (supabase-js and a Node 22 runtime); any Node works
# to run npm itself, so keep one that is already installed.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ "$update" = 1 ] || [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
