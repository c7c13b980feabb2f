#!/usr/bin/env bash
# The CI contract: contract.json lists lstm-reset runs and what each must show (totals, finding codes,
# exit code). `lstm-reset check` runs them all in-process and prints PASS or FAIL per scenario with
# what differed; it exits 0 when all pass, 1 when one fails, 2 when the contract file is invalid.
# Paths inside the contract (audit's model, --plan, --data) are relative to the contract's folder,
# so this works from any directory. `lstm-reset schema contract` prints the contract's JSON Schema.
set -euo pipefail
source "$(dirname "$0")/_lstm-reset.sh"

lstm-reset check "$(dirname "$0")/contract.json"
