/**
 * The options that describe a model and its training run, shared by every command that simulates
 * one, and their validation into a SimulationConfig.
 */
import { Option, type Command } from 'commander';
import {
  configSchema,
  limits,
  parseBackend,
  parseCell,
  parseInputKind,
  parseFraction,
  parseKerasVersion,
  parseLayers,
  parseLengths,
  parseMaskFraction,
  parsePadding,
  parseRecurrentActivation,
  parseResetEvery,
  parseShape,
  parseShuffle,
  parseWholeNumber,
  toSimulationConfig,
} from './args.ts';
import type { SimulationConfig } from '../keras/config.ts';

/** Adds --shape, --batch, … (the model and fit flags) to a command. */
export function addModelOptions(command: Command): Command {
  return command
    .option('--shape <N,T,D>', 'samples, timesteps, features of the data given to fit (N,T means D=1)', parseShape)
    .option('-b, --batch <size>', 'fit(batch_size=...); for --stateful also the layer\'s fixed batch size (default: 32, as Keras)', (v) =>
      parseWholeNumber(v, 'batch size', '--batch 32', 1, limits.batchSize),
    )
    .option('-e, --epochs <n>', 'fit(epochs=...)', (v) => parseWholeNumber(v, 'epochs', '--epochs 15', 1, limits.epochs), 1)
    .option('--stateful', 'stateful=True: carry row i of each batch into row i of the next')
    .option(
      '--shuffle [batch]',
      "fit(shuffle=True), Keras's default: reshuffle the training samples every epoch; --shuffle batch is fit(shuffle='batch')",
      parseShuffle,
      true,
    )
    .option('--no-shuffle', 'fit(shuffle=False)')
    .option('-u, --units <n>', 'units of the layer (the reset counts do not depend on it)', (v) => parseWholeNumber(v, 'units', '--units 32', 1, limits.units), 8)
    .option(
      '--seed <n>',
      "seed of lstm-reset's own weights, inputs and shuffle order (it does not stand for keras.utils.set_random_seed: add --set-random-seed for that)",
      (v) => parseWholeNumber(v, 'seed', '--seed 42', 0, 0xffffffff),
      1,
    )
    .option('--set-random-seed', 'the script calls keras.utils.set_random_seed(...): on tensorflow, Keras 3 then feeds every epoch in the same shuffled order')
    .option(
      '--reset-every <never|epoch|K>',
      'stateful only: a callback calling reset_states() after every epoch, or after every K training batches of each epoch',
      parseResetEvery,
    )
    .option('--validation-split <F>', 'fit(validation_split=F): the last fraction of samples, evaluated after each epoch', parseFraction, 0)
    .addOption(
      new Option(
        '--keras <version>',
        'Keras version profile: 3 (Keras 3.12+), a version such as 3.15.1 or 3.10 (3.0–3.11: no stateful batch-size check), tf (tf.keras / tf-keras), 2 (multi-backend Keras 2.3), tfjs (TF.js Layers)',
      )
        .argParser(parseKerasVersion)
        .default('3'),
    )
    .on('option:keras', (given: string) => {
      // the version as written, kept when it is not a profile name (the note and the result's config say it)
      const text = given.trim().replace(/^keras\s*/i, '');
      command.setOptionValueWithSource('kerasVersion', /^v?\d+\.\d+(\.\d+)?$/.test(text) ? text : undefined, 'cli');
    })
    .option('--backend <name>', 'Keras 3 backend (KERAS_BACKEND): tensorflow, jax or torch (default: tensorflow, as Keras)', parseBackend)
    .option('--run-eagerly', 'model.compile(run_eagerly=True): no tf.function / jax.jit')
    .option('--jit-compile', 'model.compile(jit_compile=True) (default "auto": on for JAX, off for CPU TensorFlow and torch)')
    .option('--no-jit-compile', 'model.compile(jit_compile=False)')
    .option('--trainable', 'the recurrent layers are trainable (layer.trainable=True, as Keras)')
    .option('--no-trainable', 'the recurrent layers are frozen (layer.trainable=False)')
    .option('--input <kind>', 'how the model declares its input: batch_shape (Input(batch_shape=(B,T,D)), default), shape (Input(shape=(T,D)): no batch size) or none (a Sequential without Input)', parseInputKind)
    .option('--cell <cell>', 'lstm, gru or simple (SimpleRNN); the default cell of --layers entries', parseCell)
    .option('--layers <list>', 'stacked layers, first to last, comma-separated: [cell:]units, then :stateful or :stateless and :bidirectional if wanted; e.g. 64,32 or lstm:64,gru:32:bidirectional', parseLayers)
    .option('--bidirectional', 'wrap the layer(s) in Bidirectional (forward and backward states)')
    .option('--mask-tail <K>', 'masking: the last K steps of each padded sample are padding (state carried, never reset)', (v) =>
      parseWholeNumber(v, 'mask tail', '--mask-tail 5', 1, limits.timesteps),
    )
    .option('--mask-fraction <F>', 'with --mask-tail: pad only this seeded fraction of the samples (default 1: all)', parseMaskFraction)
    .option('--lengths <list|MIN-MAX>', "masking: each sample's real steps, a list cycled over the samples (5,3,8) or a seeded range (2-7); the rest is padding", parseLengths)
    .option('--padding <pre|post>', "where --lengths/--mask-tail put the padding: before the real steps (pad_sequences' default, with --lengths) or after", parsePadding)
    .option('--initial-state', 'initial_state (zeros) is passed to the stateful layer(s) on every call')
    .option('--recurrent-activation <name>', 'sigmoid or hard_sigmoid, in the formula of the --keras version (default: that version\'s default, sigmoid)', parseRecurrentActivation);
}

export type ConfigOutcome =
  | { readonly ok: true; readonly config: SimulationConfig; readonly batchDefaulted: boolean }
  | { readonly ok: false; readonly message: string };

/** Cross-field validation (zod) of a command's parsed options: a config, or one message naming the flag. */
export function configFromOptions(command: Command): ConfigOutcome {
  const parsed = configSchema.safeParse({ ...command.opts(), unitsGiven: command.getOptionValueSource('units') === 'cli' });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = `--${String(issue.path[0] ?? 'shape').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return { ok: false, message: issue.code === 'custom' ? issue.message : `${flag}: ${issue.message}` };
  }
  return { ok: true, ...toSimulationConfig(parsed.data) };
}
