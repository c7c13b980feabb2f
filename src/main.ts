/**
 * The command line: parse (commander), validate (zod), run a command (core), render. Returns the
 * exit code and writes only through `io`, so tests run it in-process and it never touches `process`.
 */
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { addModelOptions } from './commands/options.ts';
import { addInputOptions, addReportOptions, runSimulationCommand } from './commands/run.ts';
import { exitCodes, type CliIo } from './commands/cli-io.ts';
import type { CommandContext } from './commands/context.ts';

export { exitCodes, type CliIo, type OutputStream } from './commands/cli-io.ts';
export { lookupTotal } from './commands/run.ts';

const helpAfter = `
Examples:
  $ lstm-reset --shape 1000,20,1 --batch 200 --epochs 15
  $ lstm-reset --shape 20,7,1 --batch 10 --stateful --no-shuffle --epochs 3 --reset-every epoch
  $ lstm-reset --shape 1000,20,1 --batch 200 --epochs 15 --expect-resets 75 --expect rowResets=15000
  $ lstm-reset --shape 1000,20,1 --batch 200 --format tsv | awk -F'\\t' 'NR>1 {rows += $9} END {print rows}'
  $ lstm-reset verify --shape 20,7,1 --batch 10

Exit codes:
  0  ok
  1  an --expect or --expect-resets comparison failed ("expected …, counted …" on stderr);
     verify: the stateful run does not equal the long sequences
  2  bad usage or input (one line on stderr, nothing on stdout)
  3  Keras would raise for this configuration (an error finding), or --strict and a warning finding

Colour only on a terminal; never with NO_COLOR, TERM=dumb or --no-color (FORCE_COLOR=1 forces it).
Semantics follow Keras 3, tf.keras and Keras 2.3 (--keras); see the README for the sources.
`;

/** commander's multi-line errors folded onto one line. */
function oneLine(text: string): string {
  return `${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

function configure(command: Command, io: CliIo): Command {
  return command
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(oneLine(text)),
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

/** The subcommands argv may use: the one it names, or all of them when it asks for help. */
async function subcommandsFor(argv: readonly string[]): Promise<Register[]> {
  const named = argv[0] !== undefined ? subcommands[argv[0]] : undefined;
  if (named) return [await named()];
  const asksForHelp = argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help');
  return asksForHelp ? Promise.all(Object.values(subcommands).map((load) => load())) : [];
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void, registers: readonly Register[]): Command {
  const program = configure(new Command('lstm-reset'), io)
    .description(
      'Simulate a Keras recurrent-layer training run with a real forward pass and list every state reset event:\n' +
        'when the state is zeroed, for how many sequence rows, and what the totals mean.',
    )
    .version(packageJson.version, '-V, --version')
    .enablePositionalOptions();
  addReportOptions(addInputOptions(addModelOptions(program)))
    .addHelpText('after', helpAfter)
    .action(async (_options, command: Command) => setExitCode(await runSimulationCommand(command, io)));
  const context: CommandContext = { io, setExitCode, subcommand: (name) => configure(new Command(name), io), runCli: main };
  for (const register of registers) register(program, context);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && first !== 'help' && subcommands[first] === undefined) {
    io.stderr.write(`error: unknown command '${first}'; the commands are ${Object.keys(subcommands).join(', ')} (or flags alone for a run: lstm-reset --shape 1000,20,1)\n`);
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
