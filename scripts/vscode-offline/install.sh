#!/usr/bin/env bash
# Install a real VS Code (code-server = VS Code 1.100.3 server + workbench) and the browser
# that drives it, without internet access beyond Debian apt and the npm registry.
# Recipe and rationale: /work/shared/VSCODE-OFFLINE.md (see also test/integration/README.md).
#
# Idempotent: Debian packages are only installed when missing, and code-server is only
# (re)installed when .vscode-test/code-server/.installed does not hold CODE_SERVER_VERSION.
# A second run takes a second or two.  Must run as root (or with sudo available) for apt.
#
# Usage: scripts/vscode-offline/install.sh        (from anywhere; paths are repo-relative)
# Env:   CODE_SERVER_DIR   install folder (default <repo>/.vscode-test/code-server)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="${CODE_SERVER_DIR:-$REPO/.vscode-test/code-server}"
MARKER="$DEST/.installed"
T0=$SECONDS
log() { echo "[vscode-offline] $*"; }

# ---- 1. Debian packages -----------------------------------------------------------------
# chromium: runs the workbench; ripgrep: replaces @vscode/ripgrep's GitHub download;
# libkrb5-dev + build tools + python3: compile the native addons (kerberos, node-pty, ...).
APT_PKGS=(chromium ripgrep libkrb5-dev build-essential python3 pkg-config ca-certificates)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "Debian packages already present"
fi

# ---- 2-4. code-server -------------------------------------------------------------------
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$CODE_SERVER_VERSION" ] \
   && [ -f "$DEST/node_modules/code-server/out/node/entry.js" ]; then
  log "code-server $CODE_SERVER_VERSION already installed in $DEST ($((SECONDS - T0)) s)"
  exit 0
fi

log "installing code-server@$CODE_SERVER_VERSION into $DEST"
rm -rf "$DEST"
mkdir -p "$DEST"
cd "$DEST"
# A package.json of its own so npm does not walk up into the project's package.json.
echo '{"name":"vscode-offline-code-server","private":true}' > package.json
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# 2. code-server itself, without its scripts (they download ripgrep from GitHub).
npm install --ignore-scripts --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION"

# 3. VS Code's own dependencies.
VSC="$DEST/node_modules/code-server/lib/vscode"
cd "$VSC"
npm install --omit=dev --ignore-scripts --loglevel=error
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# npm_config_yes lets node-pty's install script run `npx node-gyp` without a prompt.
npm_config_yes=true npm rebuild --loglevel=error \
  kerberos node-pty @parcel/watcher @vscode/spdlog @vscode/deviceid native-watchdog
ln -sfn node_modules node_modules.asar
(cd extensions && npm install --omit=dev --ignore-scripts --loglevel=error)

# 4. code-server's password hashing addon (loaded at start even with --auth none).
cd "$DEST"
npm rebuild --loglevel=error argon2

echo "$CODE_SERVER_VERSION" > "$MARKER"
log "done in $((SECONDS - T0)) s"
