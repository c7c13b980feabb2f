#!/usr/bin/env bash
# Consuming the output in a shell pipeline: TSV for awk, JSON for node (or jq).
set -euo pipefail
source "$(dirname "$0")/_lstm-reset.sh"

# rows zeroed per epoch, from the TSV event stream (columns named in the header)
lstm-reset --shape 1000,20,1 --batch 200 --epochs 3 --format tsv |
  awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
              { rows[$col["epoch"]] += $col["rows"] }
              END { for (e in rows) printf "epoch %s: %d rows zeroed\n", e, rows[e] }' | sort

# the totals from the JSON document
lstm-reset --shape 1000,20,1 --batch 200 --epochs 3 --validation-split 0.2 --json |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const { totals } = JSON.parse(s);
    console.log(`resetEvents=${totals.resetEvents} rowResets=${totals.rowResets} batches=${totals.batches}`);
  })'
