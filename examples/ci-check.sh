#!/usr/bin/env bash
# A CI gate: fail the pipeline when a training configuration does not reset the way we planned,
# or when Keras would reject it. Exit codes: 0 ok, 1 a count differs, 2 bad usage, 3 Keras would raise
# (or --strict and a warning).
set -uo pipefail
source "$(dirname "$0")/_lstm-reset.sh"

# 1. the planned stateless run: 75 reset events, 15,000 sequence starts
lstm-reset --shape 1000,20,1 --batch 200 --epochs 15 --format tsv -q \
  --expect-resets 75 --expect rowResets=15000 >/dev/null
echo "stateless plan: exit $?"

# 2. the stateful run, strict: shuffle=False, batch divides the data, no validation split
lstm-reset --shape 1000,20,1 --batch 200 --epochs 15 --stateful --no-shuffle --reset-every epoch \
  --strict --expect resetEvents=16 --json -q >/dev/null
echo "stateful plan: exit $?"

# 3. a mistake caught: batch 300 does not divide 1000 samples; a stateful Keras 3 model fails at the 100-row batch
lstm-reset --shape 1000,20,1 --batch 300 --stateful --no-shuffle --json -q >/dev/null
echo "stateful with batch 300: exit $?"
