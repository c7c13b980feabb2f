/**
 * `lstm-reset verify`: runs the continuity proof and prints the differences.
 */
import type { Command } from 'commander';
import { makeChalk } from '../render/color.ts';
import { defaultWidth, outputWidth, wrap } from '../render/text.ts';
import { formatCount } from '../sim/explain.ts';
import { exitCodes, type CliIo } from './cli-io.ts';
import { verifyContinuity, verifyProblems, type VerifyResult } from '../sim/verify.ts';
import type { CommandContext } from './context.ts';
import { addModelOptions, configFromOptions } from './options.ts';

export function addVerifyOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON document { config, windows, sequences, mapping, comparisons, promiseHolds }')
    .option('--max-rows <n>', 'rows of the row-to-sample mapping shown', (v) => Number.parseInt(v, 10), 6)
    .option('--color', 'force colour')
    .option('--no-color', 'no colour');
}

function exponent(value: number): string {
  return value === 0 ? '0' : value.toExponential(2);
}

export function renderVerify(result: VerifyResult, chalk: ReturnType<typeof makeChalk>, maxRows: number, width = defaultWidth): string {
  const { config, windows: K, sequences: B } = result;
  const lines = [
    chalk.bold('Is a stateful run the same as one long sequence?'),
    wrap(
      `${formatCount(config.samples)} windows of ${formatCount(config.timesteps)} steps in ${formatCount(K)} stateful batches of ${formatCount(B)} rows = ${formatCount(B)} sequences of ${formatCount(result.stepsPerSequence)} steps.`,
      width,
      '  ',
    ),
    wrap(`Row i of batch k holds window k·${B} + i, so sequence i is windows i, i+${B}, … (data[i::${B}] in Keras's words):`, width, '  '),
  ];
  for (const { row, samples } of result.mapping.slice(0, maxRows)) {
    lines.push(wrap(`row ${row}: windows ${samples.join(', ')} → sequence ${row} (steps 0–${result.stepsPerSequence - 1})`, width, '    ', '      '));
  }
  if (result.mapping.length > maxRows) lines.push(chalk.dim(`    … ${formatCount(result.mapping.length - maxRows)} more rows (--max-rows, or --json for all)`));
  lines.push('', wrap(`Against one stateless run over the ${formatCount(B)} long sequences (tolerance ${exponent(result.tolerance)}):`, width, '  '));
  for (const c of result.comparisons) {
    const verdict =
      c.expected === 'equal'
        ? c.equal
          ? chalk.green('equal, as Keras promises')
          : chalk.red('DIFFERENT: the promise does not hold')
        : c.equal
          ? chalk.yellow('indistinguishable (the carried state is forgotten within a window)')
          : chalk.green('differs, as expected');
    lines.push(
      wrap(c.description, width, '    ', '      '),
      wrap(`states max |Δ| ${exponent(c.maxStateDifference)}, outputs max |Δ| ${exponent(c.maxOutputDifference)}: ${verdict}`, width, '      '),
    );
  }
  lines.push('');
  if (result.promiseHolds) {
    lines.push(chalk.bold(wrap(`Holds: stateful carry over ${formatCount(K)} windows computes exactly the long sequences.`, width)));
  } else {
    const bidirectional = config.bidirectional || (config.layers ?? []).some((l) => l.bidirectional);
    lines.push(chalk.bold.red('Does not hold for this configuration.'));
    if (bidirectional) {
      lines.push(
        wrap(
          "A Bidirectional layer's backward direction reads each window from its end, so its carried state crosses the window boundary the wrong way; only the forward direction continues the sequence.",
          width,
          '  ',
        ),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerVerify(program: Command, context: CommandContext): void {
  const verify = context.subcommand('verify').description(
    'Is stateful really the same as one long sequence? Runs the stateful windows, one stateless run over the ' +
      'concatenated sequences (data[i::B]), the stateless windows and shuffled windows, and prints the differences. ' +
      'Exit 0 when the stateful run equals the long run (what Keras promises), 1 when it does not.',
  );
  addVerifyOptions(addModelOptions(verify)).action((_options, command: Command) => context.setExitCode(runVerifyCommand(command, context.io)));
  program.addCommand(verify);
}

export function runVerifyCommand(command: Command, io: CliIo): number {
  const outcome = configFromOptions(command);
  if (!outcome.ok) {
    io.stderr.write(`error: ${outcome.message}\n`);
    return exitCodes.usage;
  }
  const problems = verifyProblems(outcome.config);
  if (problems.length > 0) {
    io.stderr.write(`error: ${problems[0]}\n`);
    return exitCodes.usage;
  }
  const options = command.opts() as { json?: boolean; maxRows: number; color?: boolean };
  const result = verifyContinuity(outcome.config);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const chalk = makeChalk({ flag: options.color, env: io.env, isTTY: io.stdout.isTTY });
    io.stdout.write(renderVerify(result, chalk, Math.max(1, options.maxRows || 6), outputWidth(io.stdout, io.env)));
  }
  return result.promiseHolds ? exitCodes.ok : exitCodes.expectationFailed;
}
