#!/usr/bin/env bash
# "How many times is the state reset: 5 times or 1000 times?"
# 1000 sequences of 20 steps, batch 200, 15 epochs, a stateless LSTM (Keras's default).
# Answer: 5 reset events per epoch (one per batch), each zeroing 200 parallel states:
# 1,000 sequence starts per epoch, 75 events and 15,000 sequence starts in all.
set -euo pipefail
source "$(dirname "$0")/_lstm-reset.sh"

lstm-reset --shape 1000,20,1 --batch 200 --epochs 15
