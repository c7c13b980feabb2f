/**
 * --help laid out for people: options in groups (data, model, training, output, CI), wrapped to the
 * terminal, and the text after the options (examples, the table's columns, exit codes, colour).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
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
export function mainHelpAfter(env: Env): string {
  return `
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
on unless NO_COLOR is set. --color with --no-color is refused (exit 2).
Semantics follow Keras 3, tf.keras and Keras 2.3 (--keras); see the README.

${examplesText(commandExamples(env)[''] ?? [])}`;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The folder lstm-reset is installed in (its package.json and examples/), found from this module's
 * own file: src/commands/ in a checkout, dist/ or dist/chunks/ in an installed package.
 */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'examples'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * A file shipped with lstm-reset (examples/…) as a word to paste into a shell: ~/… under $HOME,
 * quoted when it holds characters the shell would read.
 */
export function shippedFile(file: string, env: Env): string | undefined {
  const root = packageRoot();
  if (root === undefined || !existsSync(join(root, file))) return undefined;
  const path = join(root, file);
  const home = env.HOME;
  const underHome = home !== undefined && home !== '/' && path.startsWith(home + sep) ? relative(home, path) : undefined;
  const plain = /^[\w@%+=:,./-]+$/;
  if (underHome !== undefined) return plain.test(underHome) ? `~/${underHome}` : `"$HOME/${underHome.replace(/(["$`\\])/g, '\\$1')}"`;
  return plain.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`;
}

/**
 * Examples per command ('' is the main command): runnable as shown; a file of lstm-reset's own
 * examples is named where this installation keeps it, so the example works outside a checkout.
 */
export function commandExamples(env: Env): Readonly<Record<string, readonly string[]>> {
  const model = shippedFile('examples/model/model.json', env);
  const contract = shippedFile('examples/contract.json', env);
  const modelExample = model ? [`lstm-reset audit ${model} \\\n    --samples 6 --batch 2`] : [];
  return {
    '': [
      'lstm-reset --shape 1000,20,1 --batch 200 --epochs 15',
      'lstm-reset --shape 20,7,1 --batch 10 --stateful --no-shuffle --epochs 3 \\\n    --reset-every epoch --html report.html',
      'lstm-reset --shape 1000,20,1 --batch 200 --epochs 15 --expect-resets 75 \\\n    --expect rowResets=15000',
      "lstm-reset --shape 1000,20,1 --batch 200 --format tsv |\n    awk -F'\\t' 'NR > 1 { rows += $9 } END { print rows }'",
      ...modelExample,
      'lstm-reset verify --shape 20,7,1 --batch 10',
    ],
    verify: ['lstm-reset verify --shape 20,7,1 --batch 10', 'lstm-reset verify --shape 60,5 --batch 20 --cell gru --json', 'lstm-reset verify --shape 24,6,3 --batch 8 --layers 16,8'],
    audit: [
      ...(model ? [`lstm-reset audit ${model} \\\n    --samples 6 --batch 2  # the example model shipped with lstm-reset`] : []),
      "lstm-reset audit model.keras --samples 1000 --batch 32 --epochs 5\n    # a model of yours, saved with model.save('model.keras')",
      'lstm-reset audit model.h5 --data x_train.npy --batch 64 --json > audit.json',
    ],
    schema: ['lstm-reset schema output > output.schema.json', 'lstm-reset schema contract'],
    check: [
      ...(contract ? [`lstm-reset check ${contract}`] : []),
      'lstm-reset check contract.json --json -q  # a contract of yours, in CI',
    ],
    findings: ['lstm-reset findings', 'lstm-reset findings --keras tf --json'],
  };
}

/** "Examples:" and each command line after "$ ", its continuation lines indented. */
export function examplesText(examples: readonly string[]): string {
  return `Examples:\n${examples.map((example) => `  $ ${example.replace(/\n/g, '\n  ')}\n`).join('')}`;
}

/** Adds its examples after the help of `command` (a subcommand, by name). */
export function addExamples(command: Command, env: Env): void {
  const examples = commandExamples(env)[command.name()];
  if (examples && examples.length > 0) command.addHelpText('after', () => `\n${examplesText(examples)}`);
}
