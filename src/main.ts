/**
 * The command line: parse (commander), validate (zod), run a command (core), render. Returns the
 * exit code and writes only through `io`, so tests run it in-process and it never touches `process`.
 */
import { Command, CommanderError, type Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { addModelOptions } from './commands/options.ts';
import { addInputOptions, addReportOptions, runSimulationCommand } from './commands/run.ts';
import { exitCodes, OutputWriteError, UsageError, type CliIo } from './commands/cli-io.ts';
import type { CommandContext } from './commands/context.ts';
import { addExamples, groupOptions, helpConfiguration, mainHelpAfter } from './commands/help.ts';
import { closest } from './commands/suggest.ts';
import { checkOutputPaths } from './commands/outputs.ts';
import { outputWidth } from './render/text.ts';
import { makeChalk } from './render/color.ts';

export { exitCodes, type CliIo, type OutputStream } from './commands/cli-io.ts';
export { lookupTotal } from './commands/run.ts';

/** What `lstm-reset` with no arguments prints. Every line fits 80 columns. */
export const shortUsage = `Usage: lstm-reset --shape N,T[,D] [--batch B] [--epochs E] [--stateful] [...]
       lstm-reset verify --shape N,T[,D] --batch B
       lstm-reset audit MODEL (--samples N | --shape N,T,D | --data X.npy) [...]
       lstm-reset check CONTRACT.json | schema [output|contract|plan] | findings

Simulates a Keras recurrent layer's training run with a real forward pass and
lists every state reset.
Example: lstm-reset --shape 1000,20,1 --batch 200 --epochs 15
Every option: lstm-reset --help; one command: lstm-reset help COMMAND.
`;

/** What `lstm-reset help help` prints. */
const helpUsage = `Usage: lstm-reset help [COMMAND]

Shows the help of COMMAND (verify, audit, schema, check or findings), or without
one the main command's: every option, the table's columns, the exit codes.
lstm-reset COMMAND --help does the same.
Example: lstm-reset help audit
`;

/** commander's multi-line errors folded onto one line. */
function oneLine(text: string): string {
  return `${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

/** Where commander's own errors point when they carry no fix of their own. */
function withHelpHint(text: string, command: Command): string {
  const line = oneLine(text).trimEnd();
  // commander's wording for a bad argument choice, in the user's words: which command, which argument, the fix
  const choice = /^error: command-argument value '(.*)' is invalid for argument '(.*)'\. Allowed choices are (.*)\.$/.exec(line);
  if (choice) {
    const choices = choice[3]!.split(', ');
    const listed = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : choices[0];
    return `error: ${command.name()}: unknown ${choice[2]} '${choice[1]}'; give ${listed}\n`;
  }
  if (/e\.g\.|Did you mean|Allowed choices/.test(line)) return `${line}\n`;
  const path = command.parent ? `lstm-reset help ${command.name()}` : 'lstm-reset --help';
  // "… lstm-reset accepts." + "; see …": the sentence's own full stop goes
  return `${line.replace(/\.$/, '')}; see ${path}\n`;
}

function configure(command: Command, io: CliIo): Command {
  return command
    .allowExcessArguments(true) // checked in the preAction hook, which names the extra argument
    .exitOverride()
    .configureHelp(helpConfiguration)
    .configureOutput({
      getOutHelpWidth: () => outputWidth(io.stdout, io.env),
      getErrHelpWidth: () => outputWidth(io.stderr, io.env),
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(withHelpHint(text, command)),
    });
}

type Register = (program: Command, context: CommandContext) => void;

/**
 * Subcommands, in the order --help lists them, loaded only when used (a plain run starts without
 * parsing the model readers, the contract schemas, …).
 */
const subcommands: Readonly<Record<string, () => Promise<Register>>> = {
  verify: async () => (await import('./commands/verify.ts')).registerVerify,
  audit: async () => (await import('./commands/audit.ts')).registerAudit,
  schema: async () => (await import('./commands/schema.ts')).registerSchema,
  check: async () => (await import('./commands/check.ts')).registerCheck,
  findings: async () => (await import('./commands/findings.ts')).registerFindings,
};
const commandNames = [...Object.keys(subcommands), 'help'];

/** The subcommands argv may use: the one it names, or all of them when it asks for help. */
async function subcommandsFor(argv: readonly string[]): Promise<Register[]> {
  const named = argv[0] !== undefined ? subcommands[argv[0]] : undefined;
  if (named) return [await named()];
  const asksForHelp = argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help');
  return asksForHelp ? Promise.all(Object.values(subcommands).map((load) => load())) : [];
}

/** What one word of positional arguments is, for messages. */
function positionalsOf(command: Command): string {
  const declared = command.registeredArguments.map((argument) => argument.name());
  if (command.parent === null) return 'lstm-reset takes options only (and a command first: verify, audit, check, schema, findings, help)';
  return declared.length === 0 ? `'${command.name()}' takes options only` : `'${command.name()}' takes ${declared.length === 1 ? 'one argument' : `${declared.length} arguments`} (${declared.join(', ')})`;
}

/** Options that may be given several times (each adds a value; audit takes one --data per model input). */
const repeatable = new Set(['expect', 'data']);

/**
 * Records every occurrence of every option of `command`, so the preAction hook can refuse an
 * option given twice with different values, and a flag given with its negation (--shuffle --no-shuffle).
 */
function watchOccurrences(command: Command): Map<string, { flag: string; value: string | undefined }[]> {
  const seen = new Map<string, { flag: string; value: string | undefined }[]>();
  for (const option of command.options as readonly Option[]) {
    command.on(`option:${option.name()}`, (value: string | undefined) => {
      const key = option.attributeName();
      const list = seen.get(key) ?? [];
      list.push({ flag: option.long ?? option.short ?? option.name(), value });
      seen.set(key, list);
    });
  }
  return seen;
}

function checkOccurrences(seen: Map<string, { flag: string; value: string | undefined }[]>): void {
  for (const [key, list] of seen) {
    if (list.length < 2 || repeatable.has(key)) continue;
    const flags = [...new Set(list.map((entry) => entry.flag))];
    if (flags.length > 1) throw new UsageError(`${flags.join(' and ')} contradict each other; give only one of them.`);
    const values = [...new Set(list.map((entry) => entry.value ?? ''))];
    if (values.length > 1) {
      throw new UsageError(`${flags[0]} is given ${list.length === 2 ? 'twice' : `${list.length} times`} (${values.map((v) => (v === '' ? '(no value)' : v)).join(', then ')}); give it once.`);
    }
  }
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void, registers: readonly Register[]): Command {
  const program = configure(new Command('lstm-reset'), io)
    .description(
      'Simulate a Keras recurrent-layer training run with a real forward pass and list every state reset event: ' +
        'when the state is zeroed, for how many sequence rows, and what the totals mean.',
    )
    .version(packageJson.version, '-V, --version')
    .enablePositionalOptions();
  addReportOptions(addInputOptions(addModelOptions(program)))
    .addHelpText('after', () => mainHelpAfter(io.env))
    .action(async (_options, command: Command) => setExitCode(await runSimulationCommand(command, io)));
  const context: CommandContext = { io, setExitCode, subcommand: (name) => configure(new Command(name), io), runCli: main };
  for (const register of registers) register(program, context);
  for (const command of [program, ...program.commands]) groupOptions(command);
  for (const command of program.commands) addExamples(command, io.env);
  const occurrences = new Map<Command, ReturnType<typeof watchOccurrences>>();
  for (const command of [program, ...program.commands]) occurrences.set(command, watchOccurrences(command));
  program.hook('preAction', (_program, action) => {
    const extra = action.args.slice(action.registeredArguments.length);
    if (extra.length > 0) {
      const word = extra[0]!;
      const hint = word.startsWith('-') ? ` (everything after -- is an argument, not an option: drop the --)` : '';
      throw new UsageError(`unexpected argument '${word}'${hint}; ${positionalsOf(action)}.`);
    }
    checkOccurrences(occurrences.get(action) ?? new Map());
    checkOutputPaths(action, io);
  });
  return program;
}

/** An allocation that failed despite the estimates (a bug in them, or a machine with little memory). */
function isOutOfMemory(error: unknown): boolean {
  return error instanceof RangeError && /allocation failed|invalid typed array length|array buffer|maximum memory|out of memory|memory\.grow/i.test(error.message);
}

/** `lstm-reset unknwon`: the closest command, or a hint when the word looks like a model file. */
function unknownCommand(word: string): string {
  const near = closest(word, commandNames);
  const looksLikeFile = /[./\\]/.test(word);
  const hint = near ? ` (Did you mean ${near}?)` : looksLikeFile ? ` (to audit a model file: lstm-reset audit ${word} …)` : '';
  return `error: unknown command '${word}'${hint}; the commands are ${commandNames.join(', ')} (or options alone for a run: lstm-reset --shape 1000,20,1)\n`;
}

/**
 * The I/O with stderr's message prefixes (error:, warning:, note:) coloured, where colour is on for
 * stderr: the same rules as stdout's (--color/--no-color, NO_COLOR, FORCE_COLOR, TERM, a terminal).
 */
function withColouredMessages(argv: readonly string[], io: CliIo): CliIo {
  // both flags given is refused (checkOccurrences: they contradict each other), so that error line
  // is coloured by the environment and the terminal alone, as if neither flag were given
  const flags = new Set(argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).filter((arg) => arg === '--color' || arg === '--no-color'));
  const flag = flags.size === 1 ? flags.has('--color') : undefined;
  const chalk = makeChalk({ flag, env: io.env, isTTY: io.stderr.isTTY });
  if (chalk.level === 0) return io;
  const styles: Readonly<Record<string, (text: string) => string>> = { error: chalk.red.bold, warning: chalk.yellow.bold, note: chalk.dim };
  const write = (chunk: string | Uint8Array) =>
    io.stderr.write(typeof chunk === 'string' ? chunk.replace(/^(error|warning|note):/gm, (_match, word: string) => `${styles[word]!(word)}:`) : chunk);
  return { ...io, stderr: { ...io.stderr, write } };
}

/**
 * 'value' or "value" of 160+ characters, quoted as messages quote a value: the opening quote not
 * after a letter and followed by one, the closing quote not followed by a letter.
 */
const quotedValue = /(?<![\p{L}\p{N}_])(['"])(?=\S)((?:(?!\1).){160,})(?<=\S)\1(?![\p{L}\p{N}_])/gu;

/**
 * A message as one line of plain text: control characters taken from paths or file contents (a
 * newline in a file name, an escape sequence) are shown escaped, so a message is always one line
 * and cannot drive the terminal. Progress-bar frames (starting with "\r") pass unchanged.
 */
export function plainMessage(chunk: string | Uint8Array): string | Uint8Array {
  if (typeof chunk !== 'string' || chunk.startsWith('\r')) return chunk;
  const body = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
  // eslint-disable-next-line no-control-regex
  const escaped = body.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  // a quoted value of thousands of characters (a pasted file, a runaway $(…)) is cut in the middle;
  // only a real quotation: its quotes stand outside words, so the apostrophes of prose (Keras's,
  // don't, the samples' order) never pair up and no message text between them is lost
  const short = escaped.replace(quotedValue, (_match, quote: string, value: string) => `${quote}${value.slice(0, 100)}…${value.slice(-40)}${quote}`);
  return chunk.endsWith('\n') ? `${short}\n` : short;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], rawIo: CliIo): Promise<number> {
  // messages are made plain first (escapes), then their prefixes coloured
  const coloured = withColouredMessages(argv, rawIo);
  // notes wait until the run starts (output, a pause in the work, a progress frame), so bad usage
  // found after a note still prints its one error line alone
  let pending: (string | Uint8Array)[] | undefined = [];
  const release = () => {
    const notes = pending;
    pending = undefined;
    for (const note of notes ?? []) coloured.stderr.write(note);
  };
  const io: CliIo = {
    ...coloured,
    stdout: {
      ...coloured.stdout,
      write: (chunk) => {
        release();
        coloured.stdout.write(chunk);
      },
    },
    stderr: {
      ...coloured.stderr,
      write: (chunk) => {
        const plain = plainMessage(chunk);
        if (pending && typeof plain === 'string' && plain.startsWith('note: ')) pending.push(plain);
        else {
          if (typeof plain !== 'string' || !plain.startsWith('error: ')) release();
          coloured.stderr.write(plain);
        }
      },
    },
    pause: () => {
      release();
      return coloured.pause();
    },
  };
  const code = await guarded(argv, io, rawIo);
  if (code === exitCodes.usage) pending = undefined;
  else release();
  return code;
}

async function guarded(argv: readonly string[], io: CliIo, rawIo: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof OutputWriteError) {
      io.stderr.write(`error: ${error.message}\n`);
      return exitCodes.outputFailed;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n`);
      return exitCodes.usage;
    }
    if (isOutOfMemory(error)) {
      io.stderr.write(`error: out of memory (${(error as Error).message}); use --count-only, or a smaller --shape, --batch or --units.\n`);
      return exitCodes.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: internal error: ${message.split('\n')[0]} (a bug in lstm-reset; LSTM_RESET_DEBUG=1 shows where)\n`);
    if (io.env.LSTM_RESET_DEBUG && error instanceof Error && error.stack) rawIo.stderr.write(`${error.stack}\n`);
    return exitCodes.internalError;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 0) {
    io.stdout.write(shortUsage);
    return exitCodes.ok;
  }
  const first = argv[0]!;
  if (first === 'help') {
    const [, topic, ...rest] = argv;
    if (rest.length > 0) return usage(io, `unexpected argument '${rest[0]}'; help takes one command name, e.g. lstm-reset help audit.`);
    if (topic === undefined || topic.startsWith('-')) return dispatch(['--help'], io);
    if (topic === 'help') {
      io.stdout.write(helpUsage);
      return exitCodes.ok;
    }
    if (subcommands[topic] === undefined) {
      io.stderr.write(unknownCommand(topic));
      return exitCodes.usage;
    }
    return dispatch([topic, '--help'], io);
  }
  if (!first.startsWith('-') && subcommands[first] === undefined) {
    io.stderr.write(unknownCommand(first));
    return exitCodes.usage;
  }
  let exitCode: number = exitCodes.ok;
  const program = buildProgram(io, (code) => (exitCode = code), await subcommandsFor(argv));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    throw error;
  }
  return exitCode;
}

function usage(io: CliIo, message: string): number {
  io.stderr.write(`error: ${message}\n`);
  return exitCodes.usage;
}
