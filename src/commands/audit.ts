/**
 * `lstm-reset audit MODEL [fit flags]`: the same table, totals and findings for a saved model (Keras
 * JSON, a .keras archive, or a TF.js Layers model.json whose real weights then drive the forward pass).
 */
import type { Command } from 'commander';
import { parseWholeNumber, limits } from './args.ts';
import { cellClassNames } from '../keras/layers.ts';
import type { CliIo } from './cli-io.ts';
import type { FileReader } from '../io/files.ts';
import { readFailure } from './inputs.ts';
import type { LayerSpecInput } from '../keras/config.ts';
import type { CommandContext } from './context.ts';
import type { RecurrentModelInfo } from '../model/index.ts';
import { kerasProfiles } from '../keras/profiles.ts';
import type { LayerWeightsOverride } from '../sim/simulate.ts';
import { addModelOptions } from './options.ts';
import { addInputOptions, addReportOptions, prepareRun, reportRun, usageError } from './run.ts';

export function registerAudit(program: Command, context: CommandContext): void {
  const audit = context
    .subcommand('audit')
    .description(
      'Audit a saved model: reads its recurrent layers (type, units, stateful, Bidirectional, recurrent activation, fixed ' +
        'batch size) and their weights from a Keras .h5 file (Keras 1, Keras 2, tf.keras, Keras 3 legacy HDF5), ' +
        'a Keras 3 .keras archive, a TF.js Layers model.json with its weight shards, or Keras model.to_json() output (no weights), ' +
        'and simulates fit with the flags given; the real weights drive the forward pass.',
    )
    .argument('<model>', 'a Keras .h5 or .keras file, a TF.js model.json, or a Keras model JSON')
    .option('--samples <N>', 'samples given to fit, when T and D come from the model (instead of --shape or --data)', (v) =>
      parseWholeNumber(v, 'samples', '--samples 1000', 1, limits.samples),
    );
  addReportOptions(addInputOptions(addModelOptions(audit))).action(async (model: string, _options, command: Command) =>
    context.setExitCode(await runAudit(model, command, context.io)),
  );
  program.addCommand(audit);
}

/** One line per recurrent layer, for the report's header. */
function describeLayer(layer: RecurrentModelInfo['layers'][number]): string {
  const cell = cellClassNames[layer.cell];
  const plain = layer.bidirectional ? `Bidirectional(${cell})` : cell;
  const kind = layer.className === plain ? plain : `${layer.className}, simulated as ${plain}`;
  const details = [
    `${layer.units} units`,
    layer.stateful ? 'stateful' : 'stateless',
    layer.cell === 'simple' ? undefined : `recurrent_activation=${layer.recurrentActivation}`,
    layer.resetAfter === undefined ? undefined : `reset_after=${layer.resetAfter ? 'True' : 'False'}`,
    layer.returnSequences ? 'return_sequences' : undefined,
    layer.goBackwards ? 'go_backwards (simulated forwards)' : undefined,
    layer.weights ? 'weights loaded' : undefined,
  ].filter((d) => d !== undefined);
  return `  ${layer.name}: ${kind} (${details.join(', ')})`;
}

/**
 * The files a model is read through. A model given as a stream (a pipe, `<(…)`, "-") is read whole
 * first and served from memory under its name; the files beside it (weight shards) come from disk.
 */
async function modelFiles(path: string, io: CliIo, maxBytes: number): Promise<FileReader> {
  if (path !== '-' && io.inputKind(path) === 'file') return io.files;
  const bytes = await io.readInput(path, maxBytes);
  return {
    readFile: (p) => (p === path ? bytes : io.files.readFile(p)),
    fileSize: (p) => (p === path ? bytes.length : (io.files.fileSize?.(p) ?? io.files.readFile(p).length)),
    ...(io.files.realpath ? { realpath: (p: string) => (p === path ? p : io.files.realpath!(p)) } : {}),
  };
}

export async function runAudit(path: string, command: Command, io: CliIo): Promise<number> {
  const { ModelFileError, readAnyModelFile, MAX_MODEL_FILE_BYTES } = await import('../model/index.ts');
  const label = path === '-' ? 'stdin' : path;
  let info: RecurrentModelInfo;
  try {
    info = await readAnyModelFile(path, await modelFiles(path, io, MAX_MODEL_FILE_BYTES));
  } catch (error) {
    if (error instanceof ModelFileError) return usageError(io, `audit: ${error.message}`);
    return usageError(io, `audit: cannot read ${label}: ${readFailure(error, path)}; give a Keras model JSON, a .keras or .h5 file, or a TF.js model.json.`);
  }
  const badWeight = nonFiniteWeight(info);
  if (badWeight) {
    return usageError(
      io,
      `audit: ${label}: layer ${JSON.stringify(badWeight.layer)} has ${badWeight.value} in its ${badWeight.tensor} at index ${badWeight.index}; a forward pass with it computes NaN states: fix or re-save the weights.`,
    );
  }
  if (info.layers.length === 0) {
    return usageError(io, `audit: ${path} has no LSTM, GRU or SimpleRNN layer (or Bidirectional of one) to simulate${info.notes.length ? ` (${info.notes[0]})` : ''}.`);
  }
  const options = command.opts() as { samples?: number; shape?: unknown; data?: string };
  const notes = [...info.notes];

  // the version profile: --keras when given, else what the file says
  if (command.getOptionValueSource('keras') !== 'cli') {
    // TF.js Layers follows tf.keras (its hard_sigmoid is 0.2x + 0.5, its GRU reset_after False)
    const version = info.kerasVersion ?? (info.source === 'tfjs-layers' ? 'tf' : '3');
    command.setOptionValueWithSource('keras', version, 'cli');
    if (!info.kerasVersion) {
      notes.push(
        info.source === 'tfjs-layers'
          ? 'a TF.js Layers model: simulated with the tf.keras profile, whose hard_sigmoid (0.2x + 0.5) is TF.js\'s (--keras to choose)'
          : 'the file does not say its Keras version; assuming Keras 3 (--keras to choose)',
      );
    }
  } else if (info.kerasVersion && command.opts()['keras'] !== info.kerasVersion) {
    notes.push(`the file was written by Keras profile ${info.kerasVersion}; simulating --keras ${String(command.opts()['keras'])} as asked`);
  }
  if (['units', 'layers', 'cell', 'bidirectional', 'stateful'].some((key) => command.getOptionValueSource(key) === 'cli')) {
    return usageError(io, 'audit: --units, --layers, --cell, --bidirectional and --stateful come from the model file; drop them.');
  }

  // N from --samples, T and D from the model, unless --shape or --data give them
  let fallback: { samples: number; timesteps: number; features: number } | undefined;
  if (options.samples !== undefined) {
    if (options.shape !== undefined || options.data !== undefined) return usageError(io, 'audit: give the data as --samples N, --shape N,T,D or --data X.npy, not several.');
    if (info.timesteps === null || info.features === null) {
      return usageError(
        io,
        `audit: ${path} does not fix its input (timesteps ${info.timesteps ?? 'None'}, features ${info.features ?? 'None'}); give --shape N,T,D or --data X.npy instead of --samples.`,
      );
    }
    fallback = { samples: options.samples, timesteps: info.timesteps, features: info.features };
  } else if (options.shape === undefined && options.data === undefined) {
    return usageError(io, `audit: how many samples does fit get? Give --samples N${info.timesteps === null || info.features === null ? ' with --shape' : ''}, --shape N,T,D or --data X.npy.`);
  }

  // the model's layers take part in the flag checks (e.g. --reset-every needs a stateful layer)
  command.setOptionValueWithSource(
    'layers',
    info.layers.map((layer) => ({ cell: layer.cell, units: layer.units, stateful: layer.stateful, bidirectional: layer.bidirectional })),
    'cli',
  );
  const prepared = await prepareRun(command, io, fallback ? { shape: fallback } : {});
  if (!prepared.ok) return usageError(io, prepared.message);
  try {
    const base = prepared.run.config;
    if (info.features !== null && base.features !== info.features) {
      return usageError(io, `audit: the data has ${base.features} features per step but ${path} expects ${info.features}; give data of shape (N, T, ${info.features}).`);
    }
    if (info.timesteps !== null && base.timesteps !== info.timesteps) {
      return usageError(io, `audit: the data has ${base.timesteps} timesteps but ${path} fixes ${info.timesteps}; give data of shape (N, ${info.timesteps}, D).`);
    }
    const layers: LayerSpecInput[] = info.layers.map((layer) => ({
      name: layer.name,
      cell: layer.cell,
      units: layer.units,
      stateful: layer.stateful,
      bidirectional: layer.bidirectional,
      recurrentActivation: layer.recurrentActivation,
      ...(layer.resetAfter === undefined ? {} : { resetAfter: layer.resetAfter }),
    }));
    const stateful = info.layers.some((layer) => layer.stateful);
    // the model's fixed batch size is the stateful state's; fit's batch_size is --batch (Keras: 32)
    const config = {
      ...base,
      layers,
      ...(stateful && info.batchSize !== null ? { stateBatchSize: info.batchSize } : {}),
      ...(stateful && info.batchSize === null ? { unknownStateBatch: true } : {}),
    };
    const weights = modelWeights(info, base.features, notes);
    const weightsSource = describeWeightsSource(info, path, weights !== undefined);
    if (!weightsSource.used && !(command.opts() as { quiet?: boolean }).quiet) {
      io.stderr.write(`note: ${weightsSource.reason}; the forward pass uses seeded Keras-default weights instead (reset counts do not depend on them)\n`);
    }
    const profile = kerasProfiles[config.keras];
    const header = [
      `Model: ${path} (${info.source}, ${info.modelClass}${info.modelName ? ` '${info.modelName}'` : ''}${info.versionString ? `, ${info.versionString}` : ''}; simulated as ${profile.label})`,
      `  input: batch ${info.batchSize ?? 'None'}, timesteps ${info.timesteps ?? 'None'}, features ${info.features ?? 'None'}`,
      ...info.layers.map(describeLayer),
      ...notes.map((note) => `  note: ${note}`),
    ];
    const { layers: _layers, graph: _graph, layerWeights: _layerWeights, ...summary } = info;
    const model = {
      path,
      ...summary,
      weightsSource,
      layers: info.layers.map(({ weights: w, ...layer }) => ({ ...layer, weightsLoaded: weights !== undefined && w !== undefined })),
      notes,
    };
    return await reportRun(command, io, {
      ...prepared.run,
      config,
      ...(weights ? { weights } : {}),
      extra: { model },
      header,
    });
  } finally {
    prepared.run.close?.();
  }
}

/** Whether the file's weights drive the forward pass, and why not (one line) when they do not. */
function describeWeightsSource(info: RecurrentModelInfo, path: string, used: boolean): RecurrentModelInfo['weightsSource'] {
  const source = info.weightsSource;
  if (used) return { ...source, used: true, reason: null };
  if (source.reason) return { ...source, used: false };
  if (source.kind === 'none') return { kind: 'none', used: false, reason: `${path} is a model JSON (model.to_json()), which holds no weights` };
  return { ...source, used: false, reason: `${path}: the file's weights do not chain from one recurrent layer to the next` };
}

/** The first NaN or ±Infinity in the recurrent layers' weights (a damaged or diverged model). */
function nonFiniteWeight(info: RecurrentModelInfo): { layer: string; tensor: string; index: number; value: string } | undefined {
  for (const layer of info.layers) {
    if (!layer.weights) continue;
    const directions = [['', layer.weights.forward], ['backward ', layer.weights.backward]] as const;
    for (const [direction, weights] of directions) {
      if (!weights) continue;
      const tensors = [['kernel', weights.kernel], ['recurrent_kernel', weights.recurrentKernel], ['bias', weights.bias]] as const;
      for (const [name, values] of tensors) {
        if (!values) continue;
        for (let i = 0; i < values.length; i++) {
          const v = values[i]!;
          if (v - v !== 0) return { layer: layer.name, tensor: `${direction}${name}`, index: i, value: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
        }
      }
    }
  }
  return undefined;
}

/** The model's real weights, when every recurrent layer has them and they chain directly. */
function modelWeights(info: RecurrentModelInfo, features: number, notes: string[]): LayerWeightsOverride[] | undefined {
  if (!info.layers.every((layer) => layer.weights)) return undefined;
  let inputDim = features;
  const weights: LayerWeightsOverride[] = [];
  for (const layer of info.layers) {
    const w = layer.weights!;
    if (w.forward.inputDim !== inputDim) {
      notes.push(
        'other layers sit between the recurrent layers, so the forward pass uses seeded weights instead of the file\'s (reset counts do not depend on them)',
      );
      return undefined;
    }
    weights.push({
      forward: { kernel: w.forward.kernel, recurrentKernel: w.forward.recurrentKernel, bias: w.forward.bias },
      ...(w.backward ? { backward: { kernel: w.backward.kernel, recurrentKernel: w.backward.recurrentKernel, bias: w.backward.bias } } : {}),
    });
    inputDim = layer.units * (layer.bidirectional ? 2 : 1);
  }
  return weights;
}
