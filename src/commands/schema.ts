/**
 * `lstm-reset schema [output|contract|plan]`: the JSON Schemas of the --json document, the CI contract
 * of `check` and the --plan file, generated from the zod schemas the code validates with.
 */
import { Argument, type Command } from 'commander';
import { exitCodes } from './cli-io.ts';
import type { CommandContext } from './context.ts';
import { jsonSchemas } from './schemas.ts';

export const schemaNames = ['output', 'contract', 'plan'] as const;
export type SchemaName = (typeof schemaNames)[number];

export function registerSchema(program: Command, context: CommandContext): void {
  const schema = context
    .subcommand('schema')
    .description(
      'Print JSON Schemas (draft 2020-12), generated from the schemas lstm-reset validates with: output (the --json document), ' +
        'contract (the file `check` reads) and plan (the --plan file). Without a name: { output, contract, plan }.',
    )
    .addArgument(new Argument('[name]', 'which schema').choices(schemaNames))
    .action((name: SchemaName | undefined) => {
      const schemas = jsonSchemas();
      context.io.stdout.write(`${JSON.stringify(name === undefined ? schemas : schemas[name], null, 2)}\n`);
      context.setExitCode(exitCodes.ok);
    });
  program.addCommand(schema);
}
