/**
 * --help laid out for people: options in groups (data, model, training, output, CI), wrapped to the
 * terminal, and the text after the options (examples, the table's columns, exit codes, colour).
 */
import type { Command, Help, Option } from 'commander';

/** The help groups, in the order --help shows them. */
export const optionGroups = ['Data:', 'Model:', 'Training:', 'Output:', 'CI:', 'General:'] as const;
export type OptionGroup = (typeof optionGroups)[number];

/**
 * The group of every option any command has, by its attribute name. A test fails when an option
 * is missing here, so a new flag gets its place in --help.
 */
export const optionGroupOf: Readonly<Record<string, OptionGroup>> = {
  shape: 'Data:',
  samples: 'Data:',
  data: 'Data:',
  plan: 'Data:',
  maskTail: 'Data:',
  maskFraction: 'Data:',
  lengths: 'Data:',
  padding: 'Data:',
  seed: 'Data:',
  units: 'Model:',
  cell: 'Model:',
  layers: 'Model:',
  bidirectional: 'Model:',
  stateful: 'Model:',
  recurrentActivation: 'Model:',
  keras: 'Model:',
  backend: 'Model:',
  runEagerly: 'Model:',
  jitCompile: 'Model:',
  trainable: 'Model:',
  input: 'Model:',
  weights: 'Model:',
  initialState: 'Model:',
  batch: 'Training:',
  epochs: 'Training:',
  shuffle: 'Training:',
  resetEvery: 'Training:',
  validationSplit: 'Training:',
  setRandomSeed: 'Training:',
  json: 'Output:',
  format: 'Output:',
  plain: 'Output:',
  maxRows: 'Output:',
  html: 'Output:',
  compareStateless: 'Output:',
  trace: 'Output:',
  countOnly: 'Output:',
  events: 'Output:',
  quiet: 'Output:',
  color: 'Output:',
  expectResets: 'CI:',
  expect: 'CI:',
  strict: 'CI:',
  version: 'General:',
  help: 'General:',
};

/** Puts each option of `command` in its group (options not in the table stay in General). */
export function groupOptions(command: Command): void {
  for (const option of command.options as readonly Option[]) {
    option.helpGroup(optionGroupOf[option.attributeName()] ?? 'General:');
  }
}

/** Help configuration: groups in a fixed order, whatever order the options were added in. */
export const helpConfiguration: Partial<Help> = {
  groupItems<T extends Command | Option>(unsortedItems: T[], visibleItems: T[], getGroup: (item: T) => string): Map<string, T[]> {
    const rank = (group: string) => {
      const index = (optionGroups as readonly string[]).indexOf(group === 'Options:' ? 'General:' : group);
      return index < 0 ? optionGroups.length : index;
    };
    const groups = new Map<string, T[]>();
    const named = (item: T) => (getGroup(item) === 'Options:' ? 'General:' : getGroup(item));
    for (const item of [...unsortedItems].sort((a, b) => rank(getGroup(a)) - rank(getGroup(b)))) {
      if (!groups.has(named(item))) groups.set(named(item), []);
    }
    for (const item of visibleItems) {
      if (!groups.has(named(item))) groups.set(named(item), []);
      groups.get(named(item))!.push(item);
    }
    for (const [group, items] of groups) if (items.length === 0) groups.delete(group);
    return groups;
  },
};

/** The text after the main command's options and commands, ending with examples. Every line fits 80 columns. */
export const mainHelpAfter = `
The table's columns (one row per event: a reset, or a start that is not one):
  #                  the event's number in the run
  epoch, batch       the fit epoch (0 before a plan's first fit); the batch,
                     1-based within its phase and epoch
  phase              fit, validate, evaluate, predict or reset
  when               before-batch: as the batch's layer call starts;
                     after-batch or epoch-end: after a training batch or after
                     the epoch's last one (a reset_states() callback);
                     between-calls: a plan's reset between fit/evaluate calls
  reason             resets: initial (a stateful layer is built), batch-start
                     (a stateless call starts from zeros), reset-states; other
                     starts, never counted as resets: broadcast (a 1-row batch
                     run against every state row), not-stored (JAX restarts
                     from the stored value), initial-state, from-layer
  rows               sequence rows the event zeroes (or starts)
  discarded mean|h|  mean |h| of the state thrown away (0 when there was none)
Below the totals: the state at the start of each call per epoch (Z zeros,
C carried, | reset_states()) and a sparkline of mean |h|; -q leaves them out.

Exit codes:
  0    ok
  1    an --expect or --expect-resets comparison failed ("expected …, counted
       …" on stderr); verify: the stateful run does not equal the long
       sequences; check: a scenario failed
  2    bad usage or input: one line on stderr naming the flag or file and the
       fix, nothing on stdout
  3    Keras would raise for this configuration (an error finding), or
       --strict and a warning finding or an error a plan step catches
  4    an output could not be written (stdout, a --trace or --html file: disk
       full, I/O error): one line on stderr, no file left half-written
  70   an internal error (a bug): one line; LSTM_RESET_DEBUG=1 shows the stack
  129, 130, 143
       interrupted by SIGHUP, SIGINT (Ctrl-C) or SIGTERM: what was printed
       stays, unfinished files are removed, "interrupted (SIGINT)" on stderr

Colour: on a terminal only. --no-color, NO_COLOR or TERM=dumb turn it off;
--color turns it on anywhere (even with NO_COLOR set); FORCE_COLOR=1 turns it
on unless NO_COLOR is set.
Semantics follow Keras 3, tf.keras and Keras 2.3 (--keras); see the README.

Examples:
  $ lstm-reset --shape 1000,20,1 --batch 200 --epochs 15
  $ lstm-reset --shape 20,7,1 --batch 10 --stateful --no-shuffle --epochs 3 \\
      --reset-every epoch --html report.html
  $ lstm-reset --shape 1000,20,1 --batch 200 --epochs 15 --expect-resets 75 \\
      --expect rowResets=15000
  $ lstm-reset --shape 1000,20,1 --batch 200 --format tsv |
      awk -F'\\t' 'NR > 1 { rows += $9 } END { print rows }'
  $ lstm-reset audit examples/model/model.json --samples 6 --batch 2
  $ lstm-reset verify --shape 20,7,1 --batch 10
`;
