/**
 * `lstm-reset verify`: runs the continuity proof and prints the differences.
 */
import type { Command } from 'commander';
import { makeChalk } from '../render/color.ts';
import { defaultWidth, outputWidth, wrap } from '../render/text.ts';
import { formatCount } from '../sim/explain.ts';
import { noun, plural } from '../shared/count.ts';
import { exitCodes, type CliIo } from './cli-io.ts';
import { verifyProblems, verifySteps, type VerifyResult } from '../sim/verify.ts';
import { initFlopWeight, initFlops, verifyBytes, verifyFlops } from '../sim/size.ts';
import { limits, parseWholeNumber } from './args.ts';
import { formatBytes } from './run.ts';
import type { CommandContext } from './context.ts';
import { addModelOptions, configFromOptions } from './options.ts';

export function addVerifyOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON document { config, windows, sequences, mapping, comparisons, promiseHolds }')
    .option('--max-rows <n>', 'rows of the row-to-sample mapping shown', (v) => parseWholeNumber(v, 'max rows', '--max-rows 10', 1, 1_000_000), 6)
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
      `${plural(config.samples, 'window')} of ${plural(config.timesteps, 'step')} in ${plural(K, 'stateful batch', 'stateful batches')} of ${plural(B, 'row')} = ${plural(B, 'sequence')} of ${plural(result.stepsPerSequence, 'step')}.`,
      width,
      '  ',
    ),
    wrap(`Row i of batch k holds window k·${B} + i, so sequence i is windows i, i+${B}, … (data[i::${B}] in Keras's words):`, width, '  '),
  ];
  for (const { row, samples } of result.mapping.slice(0, maxRows)) {
    lines.push(wrap(`row ${row}: windows ${samples.join(', ')} → sequence ${row} (steps 0–${result.stepsPerSequence - 1})`, width, '    ', '      '));
  }
  if (result.mapping.length > maxRows) lines.push(chalk.dim(`    … ${formatCount(result.mapping.length - maxRows)} more rows (--max-rows, or --json for all)`));
  lines.push('', wrap(`Against one stateless run over the ${plural(B, 'long sequence')} (tolerance ${exponent(result.tolerance)}):`, width, '  '));
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
    lines.push(chalk.bold(wrap(`Holds: stateful carry over ${plural(K, 'window')} computes exactly the long ${noun(B, 'sequence')}.`, width)));
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
  addVerifyOptions(addModelOptions(verify)).action(async (_options, command: Command) => context.setExitCode(await runVerifyCommand(command, context.io)));
  program.addCommand(verify);
}

export async function runVerifyCommand(command: Command, io: CliIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr.write(`error: ${message}\n`);
    return exitCodes.usage;
  };
  const outcome = configFromOptions(command);
  if (!outcome.ok) return usage(outcome.message);
  const { config } = outcome;
  const problems = verifyProblems(config);
  if (problems.length > 0) return usage(problems[0]!);
  // the same limits as a forward pass of the main command: verify runs four
  if (config.samples > limits.forwardSamples) {
    return usage(`verify: ${formatCount(config.samples)} windows are more than the ${formatCount(limits.forwardSamples)} a forward pass can index; use a smaller --shape.`);
  }
  const bytes = verifyBytes(config);
  if (bytes > limits.forwardBytes) {
    return usage(`verify would need about ${formatBytes(bytes)} of memory (its long run holds every window), more than the ${formatBytes(limits.forwardBytes)} lstm-reset allows; use fewer samples, timesteps, features or units.`);
  }
  const flops = verifyFlops(config);
  if (flops > limits.verifyFlops) {
    const init = initFlopWeight * initFlops(config);
    return usage(
      `verify would need ${formatCount(Math.round(flops / 1e9))} GFLOP (four forward passes and one weight initialisation${init > flops / 2 ? ', mostly the initialisation, which grows as units³' : ''}), more than the ${formatCount(limits.verifyFlops / 1e9)} GFLOP (about 10 s) verify runs; use fewer samples, timesteps or units.`,
    );
  }
  const options = command.opts() as { json?: boolean; maxRows: number; color?: boolean };
  const steps = verifySteps(config);
  let result: VerifyResult;
  let last = io.now();
  for (;;) {
    const next = steps.next();
    if (next.done) {
      result = next.value;
      break;
    }
    if (io.now() - last >= 25) {
      last = io.now();
      await io.pause();
    }
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const chalk = makeChalk({ flag: options.color, env: io.env, isTTY: io.stdout.isTTY });
    io.stdout.write(renderVerify(result, chalk, options.maxRows, outputWidth(io.stdout, io.env)));
  }
  return result.promiseHolds ? exitCodes.ok : exitCodes.expectationFailed;
}
