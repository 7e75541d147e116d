#!/usr/bin/env bash
# Installs tmux when it is missing: test/chat-tty.test.ts runs examples/chat-client.ts in a real terminal
# (a tmux pane), as a person would use it. Debian/Ubuntu (apt-get); as root, or with password-less sudo.
# Exit 0 when tmux is there afterwards.
set -euo pipefail
command -v tmux >/dev/null 2>&1 && exit 0
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-tmux: not root and no sudo" >&2; exit 1; }
  sudo=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq tmux >/dev/null
command -v tmux >/dev/null 2>&1
