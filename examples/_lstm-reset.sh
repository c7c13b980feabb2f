# Sourced by the examples: `lstm-reset` is the installed command when there is one on PATH,
# otherwise this checkout's bin/lstm-reset.js (run `npm install` in the checkout first).
if ! command -v lstm-reset >/dev/null 2>&1; then
  lstm_reset_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  lstm-reset() { node "$lstm_reset_root/bin/lstm-reset.js" "$@"; }
fi
