#!/usr/bin/env bash
# The classic "one char to one char" stateful pattern (batch_size=1, stateful, reset per epoch):
#
#   for i in range(20):
#       model.fit(X, y, epochs=1, batch_size=1, shuffle=False)
#       model.reset_states()      # Keras 3: for layer in model.layers: layer.reset_state()
#
# 25 one-step samples per epoch: one state row that carries through all 25 samples of an epoch
# and is zeroed once per epoch. Expected: 1 initial + 20 reset_states() events = 21, and
# 20 epochs x 25 calls - 20 zero starts = 480 carried calls.
set -euo pipefail
source "$(dirname "$0")/_lstm-reset.sh"

lstm-reset --shape 25,1,1 --batch 1 --stateful --no-shuffle --epochs 20 --reset-every epoch \
  --expect byReason.reset-states=20 --expect resetEvents=21 --expect carries=480 --max-rows 8
