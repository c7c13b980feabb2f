/**
 * `lstm-reset findings [--json] [--keras 3|tf|2]`: lists the findings catalogue (src/keras/catalogue.ts),
 * grouped by severity, or as one JSON document { findings: [...] }.
 */
import { Option, type Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import { parseKerasVersion } from './args.ts';
import { catalogueFor, severities, type CatalogueEntry } from '../keras/catalogue.ts';
import { exitCodes } from './cli-io.ts';
import { makeChalk } from '../render/color.ts';
import { defaultWidth, outputWidth, wrap } from '../render/text.ts';
import type { CommandContext } from './context.ts';
import type { KerasVersion } from '../keras/profiles.ts';

export function registerFindings(program: Command, context: CommandContext): void {
  const findings = context
    .subcommand('findings')
    .description('List every finding the auditor can report: code, severity, Keras versions, what it means, the fix and the Keras source.')
    .option('--json', 'print one JSON document { findings: [...] }')
    .addOption(new Option('--keras <version>', 'only the findings that apply to this version: 3, 3.10 (3.0–3.11), tf, 2 or tfjs').argParser(parseKerasVersion))
    .option('--color', 'force colour')
    .option('--no-color', 'no colour')
    .action((options: { json?: boolean; keras?: KerasVersion; color?: boolean }) => {
      const entries = catalogueFor(options.keras);
      const { io } = context;
      if (options.json) io.stdout.write(`${JSON.stringify({ findings: entries }, null, 2)}\n`);
      else io.stdout.write(renderCatalogue(entries, makeChalk({ flag: options.color, env: io.env, isTTY: io.stdout.isTTY }), outputWidth(io.stdout, io.env)));
      context.setExitCode(exitCodes.ok);
    });
  program.addCommand(findings);
}

const headings = { error: 'Errors (Keras raises; exit 3)', warning: 'Warnings (runs, likely not what you meant; exit 3 with --strict)', info: 'Info' } as const;

const versionNames: Readonly<Record<KerasVersion, string>> = { '3': 'Keras 3', '3.0-3.11': 'Keras 3.0–3.11', tf: 'tf.keras', '2': 'Keras 2.3', tfjs: 'TF.js' };

/** The catalogue as text, grouped by severity. */
export function renderCatalogue(entries: readonly CatalogueEntry[], chalk: ChalkInstance, width = defaultWidth): string {
  const color = { error: chalk.red.bold, warning: chalk.yellow.bold, info: chalk.blue.bold } as const;
  const lines: string[] = [];
  for (const severity of severities) {
    const group = entries.filter((entry) => entry.severity === severity);
    if (group.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(color[severity](`${headings[severity]}: ${group.length}`));
    for (const entry of group) {
      lines.push(
        wrap(`${chalk.bold(entry.code)}  ${chalk.dim(`[${entry.keras.map((version) => versionNames[version]).join(', ')}]`)}`, width, '  ', '    '),
        wrap(entry.title, width, '    '),
        wrap(entry.fix, width, '    fix:    ', ' '.repeat(12)),
        wrap(chalk.dim(entry.source), width, '    source: ', ' '.repeat(12)),
      );
    }
  }
  if (lines.length === 0) lines.push(chalk.dim('No findings.'));
  return `${lines.join('\n')}\n`;
}
