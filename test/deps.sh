#!/usr/bin/env bash
# Install the Debian packages scsm needs to build, test and run its demo.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

pkgs=(build-essential postgresql-15 postgresql-server-dev-15 postgresql-contrib
      postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-15-cron
      python3 python3-numpy openssl libssl-dev)
# chromium renders the risk heat map in test/scripts/60_heatmap_render.sh (SCSM_WITH_BROWSER=0 skips it)
[ "${SCSM_WITH_BROWSER:-1}" = 1 ] && pkgs+=(chromium fonts-dejavu-core)
# --list: print the packages, one per line (.ci/run installs them itself)
if [ "${1:-}" = --list ]; then printf '%s\n' "${pkgs[@]}"; exit 0; fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Debian creates a default cluster on port 5432; scsm never uses it.
fi
