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
import { groupOptions, helpConfiguration, mainHelpAfter } from './commands/help.ts';
import { outputWidth } from './render/text.ts';
import { makeChalk } from './render/color.ts';

export { exitCodes, type CliIo, type OutputStream } from './commands/cli-io.ts';
export { lookupTotal } from './commands/run.ts';

/** commander's multi-line errors folded onto one line. */
function oneLine(text: string): string {
  return `${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

function configure(command: Command, io: CliIo): Command {
  return command
    .allowExcessArguments(false)
    .exitOverride()
    .configureHelp(helpConfiguration)
    .configureOutput({
      getOutHelpWidth: () => outputWidth(io.stdout, io.env),
      getErrHelpWidth: () => outputWidth(io.stderr, io.env),
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
      'Simulate a Keras recurrent-layer training run with a real forward pass and list every state reset event: ' +
        'when the state is zeroed, for how many sequence rows, and what the totals mean.',
    )
    .version(packageJson.version, '-V, --version')
    .enablePositionalOptions();
  addReportOptions(addInputOptions(addModelOptions(program)))
    .addHelpText('after', mainHelpAfter)
    .action(async (_options, command: Command) => setExitCode(await runSimulationCommand(command, io)));
  const context: CommandContext = { io, setExitCode, subcommand: (name) => configure(new Command(name), io), runCli: main };
  for (const register of registers) register(program, context);
  for (const command of [program, ...program.commands]) groupOptions(command);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
/**
 * The I/O with stderr's message prefixes (error:, warning:, note:) coloured, where colour is on for
 * stderr: the same rules as stdout's (--color/--no-color, NO_COLOR, FORCE_COLOR, TERM, a terminal).
 */
function withColouredMessages(argv: readonly string[], io: CliIo): CliIo {
  const flags = argv.filter((arg) => arg === '--color' || arg === '--no-color');
  const flag = flags.length === 0 ? undefined : flags[flags.length - 1] === '--color';
  const chalk = makeChalk({ flag, env: io.env, isTTY: io.stderr.isTTY });
  if (chalk.level === 0) return io;
  const styles: Readonly<Record<string, (text: string) => string>> = { error: chalk.red.bold, warning: chalk.yellow.bold, note: chalk.dim };
  const write = (chunk: string | Uint8Array) =>
    io.stderr.write(typeof chunk === 'string' ? chunk.replace(/^(error|warning|note):/gm, (_match, word: string) => `${styles[word]!(word)}:`) : chunk);
  return { ...io, stderr: { ...io.stderr, write } };
}

export async function main(argv: readonly string[], cliIo: CliIo): Promise<number> {
  const io = withColouredMessages(argv, cliIo);
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
