/**
 * `lstm-reset audit MODEL [fit flags]`: the same table, totals and findings for a saved model (Keras
 * JSON, a .keras archive, or a TF.js Layers model.json whose real weights then drive the forward pass).
 */
import type { Command } from 'commander';
import { lackedSetting, limits, parseWholeNumber, settingFlag, settingRefusal } from './args.ts';
import { formatCount } from '../sim/explain.ts';
import { cellClassNames } from '../keras/layers.ts';
import type { CliIo } from './cli-io.ts';
import type { FileReader } from '../io/files.ts';
import { readFailure } from './inputs.ts';
import { modelHead, weightsHead } from './sniff.ts';
import type { CommandContext } from './context.ts';
import type { RecurrentModelInfo } from '../model/index.ts';
import { backends, isKeras3, kerasProfiles, type Backend, type KerasVersion } from '../keras/profiles.ts';
import { maskedRecurrentLayers, type ModelProgram } from '../keras/graph.ts';
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
    )
    .option('--weights <file>', "the model's weights, when MODEL is a model.to_json() kept apart from them: the .h5 of model.save_weights (Keras 1/2, tf.keras, Keras 3 .weights.h5), a model .h5 or a .keras archive");
  addReportOptions(addInputOptions(addModelOptions(audit))).action(async (model: string, _options, command: Command) =>
    context.setExitCode(await runAudit(model, command, context.io)),
  );
  program.addCommand(audit);
}

/** One line per recurrent layer, for the report's header. */
function describeLayer(layer: RecurrentModelInfo['layers'][number], weightsUsed: boolean): string {
  const cell = cellClassNames[layer.cell];
  const plain = layer.bidirectional ? `Bidirectional(${cell})` : cell;
  const kind = layer.className === plain ? plain : `${layer.className}, simulated as ${plain}`;
  const details = [
    `${layer.units} units`,
    layer.stateful ? 'stateful' : 'stateless',
    layer.cell === 'simple'
      ? undefined
      : layer.recurrentActivationStated !== undefined
        ? `recurrent_activation=${layer.recurrentActivationStated} (simulated as sigmoid)`
        : `recurrent_activation=${layer.recurrentActivation}`,
    layer.resetAfter === undefined ? undefined : `reset_after=${layer.resetAfter ? 'True' : 'False'}`,
    layer.returnSequences ? 'return_sequences' : undefined,
    layer.goBackwards ? 'go_backwards' : undefined,
    layer.weights && weightsUsed ? 'weights loaded' : undefined,
  ].filter((d) => d !== undefined);
  return `  ${layer.name}: ${kind} (${details.join(', ')})`;
}

/**
 * The files a model is read through. A model given as a stream (a pipe, `<(…)`, "-") is read whole
 * first and served from memory under its name; the files beside it (weight shards) come from disk.
 */
async function modelFiles(path: string, label: string, io: CliIo, maxBytes: number): Promise<FileReader> {
  if (path !== '-' && io.inputKind(path) === 'file') return io.files;
  const bytes = await io.readInput(path, maxBytes, modelHead);
  return {
    readFile: (p) => (p === label ? bytes : io.files.readFile(p)),
    fileSize: (p) => (p === label ? bytes.length : (io.files.fileSize?.(p) ?? io.files.readFile(p).length)),
    ...(io.files.realpath ? { realpath: (p: string) => (p === label ? p : io.files.realpath!(p)) } : {}),
  };
}

export async function runAudit(path: string, command: Command, io: CliIo): Promise<number> {
  const { ModelFileError, readAnyModelFile, MAX_MODEL_FILE_BYTES } = await import('../model/index.ts');
  const label = path === '-' ? 'stdin' : path;
  let info: RecurrentModelInfo;
  try {
    info = await readAnyModelFile(label, await modelFiles(path, label, io, MAX_MODEL_FILE_BYTES));
  } catch (error) {
    if (error instanceof ModelFileError) return usageError(io, `audit: ${error.message}; see lstm-reset help audit for the files it reads`);
    return usageError(io, `audit: cannot read ${label}: ${readFailure(error, path)}; give a Keras model JSON, a .keras or .h5 file, or a TF.js model.json.`);
  }
  const weightsPath = (command.opts() as { weights?: string }).weights;
  if (weightsPath !== undefined) {
    const { attachWeightsFile } = await import('../model/weights-file.ts');
    const weightsLabel = weightsPath === '-' ? 'stdin' : weightsPath;
    let bytes: Uint8Array;
    try {
      bytes = await io.readInput(weightsPath, MAX_MODEL_FILE_BYTES, weightsHead);
    } catch (error) {
      return usageError(io, `audit: cannot read --weights ${weightsLabel}: ${readFailure(error, weightsPath)}; give the .h5 written by model.save_weights (or model.save), or a .keras archive.`);
    }
    try {
      info = await attachWeightsFile(info, bytes, weightsLabel);
    } catch (error) {
      if (error instanceof ModelFileError) {
        const fix = /(give|take|re-save|save)/.test(error.message) ? '' : '; give the .h5 written by model.save_weights (or model.save), or a .keras archive';
        return usageError(io, `audit: --weights ${error.message}${fix}`);
      }
      throw error;
    }
  }
  const badWeight = nonFiniteWeight(info);
  if (badWeight) {
    return usageError(
      io,
      `audit: ${weightsPath === undefined ? label : weightsPath === '-' ? 'stdin' : weightsPath}: layer ${JSON.stringify(badWeight.layer)} has ${badWeight.value} in its ${badWeight.tensor} at index ${badWeight.index}; a forward pass with it computes NaN states: fix or re-save the weights.`,
    );
  }
  if (info.layers.length === 0) {
    const skipped = describeUnsupported(info.unsupported);
    return usageError(
      io,
      `audit: ${label} has no recurrent layer lstm-reset simulates${skipped ? `: ${skipped}` : ''}; it simulates LSTM, GRU, SimpleRNN, CuDNNLSTM/CuDNNGRU, RNN of one such cell and Bidirectional of them: give a model with one of those.`,
    );
  }
  const tooLarge = fileValueBeyondLimits(info);
  if (tooLarge) return usageError(io, `audit: ${label}: ${tooLarge}`);
  const options = command.opts() as { samples?: number; shape?: unknown; data?: string[]; quiet?: boolean };
  const { buildProgram, declaredInputs, primaryInput } = await import('../model/program.ts');
  const declared = declaredInputs(info);
  // --shape, --samples and the first --data describe the first sequence input (a vector input first
  // in the model takes (N, F) data of its own); the run lists it first, the others in model order
  const primary = primaryInput(declared);
  const first = declared[primary];
  const ordered = [declared[primary]!, ...declared.filter((_, index) => index !== primary)].filter((d) => d !== undefined);
  // token ids (N, T) into an Embedding are the rank-2 input such a model has: no note for it
  const notes = info.notes.filter((note) => !((first?.vocabulary !== undefined || first?.rank === 3) && /^the model input has rank 2 /.test(note)));

  // the version profile: --keras when given, else what the file says; a TF.js model.json runs in TF.js
  const stated = info.versionString !== undefined ? `${info.versionFrom ?? 'the file'}: "${info.versionString}"` : undefined;
  const fileProfile: KerasVersion | undefined = info.source === 'tfjs-layers' ? 'tfjs' : info.kerasVersion;
  let profileWhy: string;
  const fromFile = command.getOptionValueSource('keras') !== 'cli';
  if (fromFile) {
    command.setOptionValueWithSource('keras', fileProfile ?? '3', 'cli');
    profileWhy =
      info.source === 'tfjs-layers'
        ? `a TF.js model.json is trained and run by TF.js${info.versionString?.startsWith('tfjs') ? ` (saved by ${info.versionString})` : stated ? ` (converted from a Keras model, ${stated})` : ''}`
        : fileProfile
          ? (stated ?? info.versionFrom ?? 'the file')
          : 'the file states no Keras version: Keras 3 assumed (--keras to choose)';
  } else {
    const given = String(command.opts()['kerasVersion'] ?? command.opts()['keras']);
    profileWhy = `--keras ${given}${fileProfile && fileProfile !== given ? `; the file says ${kerasProfiles[fileProfile].label}${stated ? ` (${stated})` : ''}` : ''}`;
  }
  // the backend: the file's where it records one (a legacy .h5's backend attribute), else --backend
  let backendWhy: string | undefined;
  const recorded = info.backend !== undefined && (backends as readonly string[]).includes(info.backend) ? (info.backend as Backend) : undefined;
  if (isKeras3(command.opts()['keras'] as KerasVersion)) {
    if (command.getOptionValueSource('backend') === 'cli') {
      const given = String(command.opts()['backend']);
      backendWhy = `${given} (--backend${recorded && recorded !== given ? `; the file was saved on ${recorded}` : ''})`;
    } else if (recorded) {
      command.setOptionValueWithSource('backend', recorded, 'cli');
      backendWhy = `${recorded} (the file's backend attribute)`;
    } else {
      backendWhy = `tensorflow (Keras's default; the file records no backend: --backend to choose)`;
    }
  } else if (info.backend !== undefined && info.backend !== 'tensorflow') {
    notes.push(`saved on the ${info.backend} backend; multi-backend Keras resets state the same way on each`);
  }
  if (fromFile) {
    // the file decided the profile: a flag it does not have is refused saying so (args.ts settingRefusal)
    const version = command.opts()['keras'] as KerasVersion;
    const lacking = lackedSetting(version, command.opts());
    if (lacking) return usageError(io, `audit: ${settingRefusal(version, lacking.setting, settingFlag(lacking.setting, lacking.value), `the profile of ${label}: ${profileWhy}`)}`);
  }
  if (['units', 'layers', 'cell', 'bidirectional', 'stateful'].some((key) => command.getOptionValueSource(key) === 'cli')) {
    return usageError(io, 'audit: --units, --layers, --cell, --bidirectional and --stateful come from the model file; drop them.');
  }
  const givenData = options.data ?? [];
  if (givenData.length > Math.max(1, declared.length)) {
    return usageError(io, `audit: --data is given ${givenData.length} times but ${path} has ${declared.length} input${declared.length === 1 ? '' : 's'} (${declared.map((d) => d.name).join(', ')}); give one .npy per input, in that order.`);
  }
  if (primary > 0 && givenData.length > 0 && givenData.length <= primary) {
    return usageError(
      io,
      `audit: --data is given for ${givenData.length} of the ${declared.length} inputs of ${path} but not for ${JSON.stringify(first!.name)}, its sequence input; give one .npy per input, in order (${declared.map((d) => d.name).join(', ')}).`,
    );
  }
  // the files in run order: the primary input's first
  const dataFiles = primary > 0 && givenData.length > primary ? [givenData[primary]!, ...givenData.filter((_, index) => index !== primary)] : givenData;
  if (dataFiles !== givenData) command.setOptionValueWithSource('data', dataFiles, 'cli');

  // N from --samples, T and D from the model, unless --shape or --data give them
  const timesteps = first?.timesteps ?? null;
  const features = first?.features ?? null;
  let fallback: { samples: number; timesteps: number; features: number } | undefined;
  if (options.samples !== undefined) {
    if (options.shape !== undefined || dataFiles.length > 0) return usageError(io, 'audit: give the data as --samples N, --shape N,T,D or --data X.npy, not several.');
    if (timesteps === null || features === null) {
      return usageError(
        io,
        `audit: ${path} does not fix its input (timesteps ${timesteps ?? 'None'}, features ${features ?? 'None'}); give --shape N,T,D or --data X.npy instead of --samples.`,
      );
    }
    fallback = { samples: options.samples, timesteps, features };
  } else if (options.shape === undefined && dataFiles.length === 0) {
    return usageError(io, `audit: how many samples does fit get? Give --samples N${timesteps === null || features === null ? ' with --shape' : ''}, --shape N,T,D or --data X.npy.`);
  }

  // the model's layers take part in the flag checks (e.g. --reset-every needs a stateful layer)
  command.setOptionValueWithSource(
    'layers',
    info.layers.map((layer) => ({ cell: layer.cell, units: layer.units, stateful: layer.stateful, bidirectional: layer.bidirectional })),
    'cli',
  );
  const prepared = await prepareRun(command, io, {
    ...(fallback ? { shape: fallback } : {}),
    moreData: true,
    integerData: true,
    // a plan field the file's profile lacks is refused saying where the profile came from
    ...(fromFile ? { profileOf: `the profile of ${label}: ${profileWhy}` } : {}),
  });
  if (!prepared.ok) return usageError(io, prepared.message);
  try {
    const base = prepared.run.config;
    const what = dataFiles.length > 0 ? `--data ${dataFiles[0]}` : 'the data';
    if (features !== null && base.features !== features) {
      return usageError(io, `audit: ${what} has ${base.features} features per step but ${path} expects ${features}${first?.vocabulary ? ' (token ids: give an (N, T) array)' : ''}; give data of shape (N, T, ${features}).`);
    }
    if (timesteps !== null && base.timesteps !== timesteps) {
      return usageError(io, `audit: ${what} has ${base.timesteps} timesteps but ${path} fixes ${timesteps}; give data of shape (N, ${timesteps}, D).`);
    }
    for (const [i, extra] of (prepared.run.moreData ?? []).entries()) {
      const input = ordered[i + 1]!;
      if (input.rank === 2 && !input.vocabulary) {
        // a vector input: (N, F), or (N, 1, F); a 2-D file reads as (N, F, 1), the same values in order
        const values = extra.timesteps * extra.features;
        if ((extra.timesteps !== 1 && extra.features !== 1) || (input.features !== null && values !== input.features)) {
          return usageError(
            io,
            `audit: --data ${extra.path} has shape (${extra.samples}, ${extra.timesteps}${extra.features === 1 ? '' : `, ${extra.features}`}) but input ${JSON.stringify(input.name)} of ${path} is a vector input: it takes (N, ${input.features ?? 'F'}).`,
          );
        }
        continue;
      }
      if ((input.features !== null && extra.features !== input.features) || (input.timesteps !== null && extra.timesteps !== input.timesteps)) {
        return usageError(
          io,
          `audit: --data ${extra.path} has shape (${extra.samples}, ${extra.timesteps}, ${extra.features}) but input ${JSON.stringify(input.name)} of ${path} takes (N, ${input.timesteps ?? 'T'}, ${input.features ?? 'D'}).`,
        );
      }
    }
    // each --data file's timesteps, by model input
    const runTimesteps = dataFiles.length > 0 ? [base.timesteps, ...(prepared.run.moreData ?? []).map((d) => d.timesteps)] : undefined;
    const dataTimesteps = runTimesteps ? declared.map((input) => runTimesteps[ordered.indexOf(input)]) : undefined;
    const built = buildProgram(info, { timesteps: base.timesteps, features: base.features, seed: base.seed, primary, ...(dataTimesteps ? { dataTimesteps } : {}) });
    notes.push(...built.notes);
    if (kerasProfiles[base.keras].keras3) notes.push(...droppedMaskNotes(built));
    if (!built.masked && (base.maskTail !== undefined || base.padding !== undefined)) {
      notes.push('the model has no Masking or Embedding(mask_zero=True) layer, so Keras computes no mask: the padded steps (zeros) are fed as data');
    }
    const stateful = info.layers.some((layer) => layer.stateful);
    // the model's fixed batch size is the stateful state's; fit's batch_size is --batch (Keras: 32)
    const config = {
      ...base,
      layers: built.layers,
      ...(stateful && info.batchSize !== null ? { stateBatchSize: info.batchSize } : {}),
      ...(stateful && info.batchSize === null ? { unknownStateBatch: true } : {}),
      ...(info.tfjsLoadError ? { tfjsLoadError: info.tfjsLoadError } : {}),
    };
    const weights = built.weights.map((w) => (w ? toOverride(w) : undefined));
    const allWeights = weights.every((w) => w !== undefined);
    const weightsSource = describeWeightsSource(info, path, allWeights);
    if (!weightsSource.used && !options.quiet) {
      io.stderr.write(`note: ${weightsSource.reason}; the forward pass uses seeded Keras-default weights instead (reset counts do not depend on them)\n`);
    }
    const profile = kerasProfiles[config.keras];
    const inputsLine =
      declared.length > 1 || first?.vocabulary || first?.rank === 2
        ? `  inputs: ${declared.map((d) => `${d.name} (${d.vocabulary ? `token ids < ${d.vocabulary}, ` : ''}timesteps ${d.rank === 2 && !d.vocabulary ? '-' : (d.timesteps ?? 'None')}, features ${d.features ?? 'None'})`).join(', ')}; batch ${info.batchSize ?? 'None'}`
        : `  input: batch ${info.batchSize ?? 'None'}, timesteps ${info.timesteps ?? 'None'}, features ${info.features ?? 'None'}`;
    const header = [
      `Model: ${path} (${info.source}, ${info.modelClass}${info.modelName ? ` '${info.modelName}'` : ''}${info.versionString ? `, ${info.versionString}` : ''})`,
      `  simulated as ${profile.label}: ${profileWhy}`,
      ...(backendWhy ? [`  backend: ${backendWhy}`] : []),
      inputsLine,
      ...info.layers.flatMap((layer) => [describeLayer(layer, allWeights), ...(plainStack(info, built.wiring) ? [] : describeWiring(built.wiring.get(layer.name)))]),
      ...(info.unsupported.length > 0
        ? [
            `  not simulated: ${describeUnsupported(info.unsupported)}; still simulated: ${[...new Set(info.layers.map((l) => l.name))].join(', ')}`,
          ]
        : []),
      ...notes.map((note) => `  note: ${note}`),
    ];
    const { layers: _layers, graph: _graph, layerWeights: _layerWeights, ...summary } = info;
    const model = {
      path,
      ...summary,
      weightsSource,
      inputs: declared.map((d) => ({ name: d.name, timesteps: d.timesteps, features: d.features, tokens: d.vocabulary !== undefined })),
      layers: info.layers.map(({ weights: w, ...layer }) => {
        const wiring = built.wiring.get(layer.name);
        return {
          ...layer,
          weightsLoaded: allWeights && w !== undefined,
          input: wiring?.input ?? null,
          initialStateFrom: wiring?.initialStateFrom ?? null,
          initialState: wiring?.initialState ?? null,
          calls: wiring?.calls ?? 0,
        };
      }),
      notes,
    };
    return await reportRun(command, io, {
      ...prepared.run,
      config,
      ...(allWeights ? { weights } : {}),
      program: built.program,
      extra: { model },
      header,
    });
  } finally {
    prepared.run.close?.();
  }
}

/**
 * The first value the file gives that is past the limits the flags have (units, batch size, timesteps,
 * features), as "<field> is <value>, more than …", or undefined.
 */
function fileValueBeyondLimits(info: RecurrentModelInfo): string | undefined {
  const over = (field: string, value: number | null | undefined, limit: number, flag: string) =>
    value !== null && value !== undefined && value > limit ? `${field} is ${formatCount(value)}, more than the ${formatCount(limit)} lstm-reset accepts (the limit of ${flag})` : undefined;
  for (const layer of info.layers) {
    const found = over(`layer ${JSON.stringify(layer.name)} units`, layer.units, limits.units, '--units');
    if (found) return found;
  }
  const batch = over('the model\'s fixed batch size', info.batchSize, limits.batchSize, '--batch');
  if (batch) return batch;
  for (const input of info.graph.inputs) {
    const shape = input.shape ?? [];
    const timesteps = over(`input ${JSON.stringify(input.name)} timesteps`, shape.length >= 3 ? shape[1] : null, limits.timesteps, '--shape');
    const features = over(`input ${JSON.stringify(input.name)} features`, shape.length >= 2 ? shape[shape.length - 1] : null, limits.features, '--shape');
    if (timesteps ?? features) return timesteps ?? features;
  }
  for (const layer of info.graph.layers) {
    const config = layer.config;
    const fields: [string, unknown, number, string][] = [
      ['units', config['units'], limits.features, '--shape features'],
      ['output_dim', config['output_dim'], limits.features, '--shape features'],
      ['n', layer.className === 'RepeatVector' ? config['n'] : undefined, limits.timesteps, '--shape timesteps'],
    ];
    for (const [field, value, limit, flag] of fields) {
      const found = typeof value === 'number' ? over(`layer ${JSON.stringify(layer.name)} ${field}`, value, limit, flag) : undefined;
      if (found) return found;
    }
  }
  return undefined;
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

/** A plain stack: each recurrent layer reads the one before (the first a model input), once, from zeros or its own state. */
function plainStack(info: RecurrentModelInfo, wiring: ReadonlyMap<string, { input: string; initialStateFrom: string | null; calls: number }>): boolean {
  return info.layers.every((layer, i) => {
    const w = wiring.get(layer.name);
    if (!w || w.calls !== 1 || w.initialStateFrom !== null) return false;
    return i === 0 ? /^input "[^"]*"$/.test(w.input) : w.input === `${info.layers[i - 1]!.name} (sequence)`;
  });
}

/** The header lines under a layer: where its input and initial_state come from. */
function describeWiring(wiring: { input: string; initialStateFrom: string | null; calls: number; initialState?: readonly string[] } | undefined): string[] {
  if (!wiring) return ['    not called in the model graph: not simulated'];
  const parts = [`    input: ${wiring.input}`];
  if (wiring.initialStateFrom) {
    const which = wiring.initialState ? `: [${wiring.initialState.join(', ')}]` : '';
    parts.push(`    initial_state: the final states of ${wiring.initialStateFrom}${which}, every call (not zeros)`);
  }
  if (wiring.calls > 1) parts.push(`    shared: called ${wiring.calls} times per batch`);
  return parts;
}

function toOverride(w: NonNullable<RecurrentModelInfo['layers'][number]['weights']>): LayerWeightsOverride {
  return {
    forward: { kernel: w.forward.kernel, recurrentKernel: w.forward.recurrentKernel, bias: w.forward.bias },
    ...(w.backward ? { backward: { kernel: w.backward.kernel, recurrentKernel: w.backward.recurrentKernel, bias: w.backward.bias } } : {}),
  };
}

/** Whether the file's weights drive the forward pass, and why not (one line) when they do not. */
function describeWeightsSource(info: RecurrentModelInfo, path: string, used: boolean): RecurrentModelInfo['weightsSource'] {
  const source = info.weightsSource;
  if (used) return { ...source, used: true, reason: null };
  if (source.reason) return { ...source, used: false };
  if (source.kind === 'none') return { kind: 'none', used: false, reason: `${path} is a model JSON (model.to_json()), which holds no weights (give them with --weights FILE.h5)` };
  return { ...source, used: false, reason: `${path}: not every recurrent layer has its weights in the file` };
}

/**
 * Keras 3 passes no mask to a recurrent call given initial_state (keras/graph.ts autoMaskDropped):
 * one note per layer whose input carries a mask it then ignores.
 */
function droppedMaskNotes(built: { program: ModelProgram; layers: readonly { name?: string }[] }): string[] {
  const keras2 = maskedRecurrentLayers(built.program, false);
  const keras3 = maskedRecurrentLayers(built.program, true);
  const names = [...keras2].filter((index) => !keras3.has(index)).map((index) => built.layers[index]?.name ?? `#${index}`);
  return [...new Set(names)].map(
    (name) =>
      `${name} is given initial_state, so Keras 3 passes it no mask (Layer.__call__ fills mask only for a one-tensor call): its padded steps run as data; Keras 2, tf.keras and TF.js skip them (pass mask= to the call to skip them in Keras 3)`,
  );
}

/** Layers not simulated, one explanation per kind: "a, b (ConvLSTM2D: why); c (RNN([…]): why)". */
function describeUnsupported(list: RecurrentModelInfo['unsupported']): string {
  const groups = new Map<string, string[]>();
  for (const u of list) {
    const key = `${u.className}: ${u.why}`;
    groups.set(key, [...(groups.get(key) ?? []), u.name]);
  }
  return [...groups].map(([key, names]) => `${names.join(', ')} (${key})`).join('; ');
}
