#!/usr/bin/env bash
# Stateful continuation: 20 windows of 7 steps fed as 2 stateful batches of 10 rows, in order.
# Row i of batch 2 starts from the final state of row i of batch 1, so the layer sees
# 10 sequences of 14 steps (sample i continues in sample i + 10, i.e. data[i::10]).
# Expected: one reset event (the initial zeros of 10 rows) and one carried call.
set -euo pipefail
source "$(dirname "$0")/_lstm-reset.sh"

lstm-reset --shape 20,7,1 --batch 10 --stateful --no-shuffle \
  --expect resetEvents=1 --expect rowResets=10 --expect carries=1
