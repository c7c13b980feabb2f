/**
 * Keras version profiles and backends: what differs between Keras 3 (3.12+ and 3.0–3.11), tf.keras
 * and multi-backend Keras 2.3, and between the JAX, TensorFlow and torch backends of Keras 3, for
 * the questions lstm-reset answers. Section numbers (§) refer to shared/keras-semantics.md; §R is
 * what real Keras 3.15.1 did on each backend, which overrides the older sections for Keras 3.
 */

/**
 * '3' = Keras 3.12 and later (the stateful batch-size check of PR keras#21742); '3.0-3.11' = Keras
 * 3.0 to 3.11 (no such check); 'tf' = tf.keras / tf-keras (TF 2.x); '2' = multi-backend Keras 2.3;
 * 'tfjs' = TF.js Layers (a model.json is trained and run by TF.js: tfjs-layers engine/training.ts).
 */
export const kerasVersions = ['3', '3.0-3.11', 'tf', '2', 'tfjs'] as const;
export type KerasVersion = (typeof kerasVersions)[number];

/** Keras 3's backends (KERAS_BACKEND); tf.keras and Keras 2.3 run on TensorFlow. */
export const backends = ['tensorflow', 'jax', 'torch'] as const;
export type Backend = (typeof backends)[number];

/** Keras's own default backend. */
export const defaultBackend: Backend = 'tensorflow';

export const recurrentActivations = ['sigmoid', 'hard_sigmoid'] as const;
export type RecurrentActivation = (typeof recurrentActivations)[number];

/** Where a stateful run with a batch of the wrong size fails (§2.1 "Batch-size mismatch"). */
export type PartialBatchCheck =
  /** K1/K2mb: `fit` checks N % batch_size up front, before any batch runs. */
  | 'upfront'
  /** TFK and K3: the layer call with the odd-sized batch raises (or, where allowed, broadcasts). */
  | 'at-batch';

export interface KerasProfile {
  readonly version: KerasVersion;
  readonly label: string;
  /** True for Keras 3 (any minor version): backends, layer.reset_state(), no model.reset_states(). */
  readonly keras3: boolean;
  /**
   * Keras >= 3.12 raises a ValueError when a stateful layer's input has a static batch size other than
   * its state's (rnn.py RNN.call, PR keras#21742); before 3.12 nothing checks it (§2.1, §R2).
   */
  readonly statefulBatchCheck: boolean;
  /** Default `recurrent_activation` of LSTM in this version (§8 "Default activations"). */
  readonly defaultRecurrentActivation: RecurrentActivation;
  /** `hard_sigmoid` as this version defines it (§8: the formula changed in Keras 3). */
  readonly hardSigmoidFormula: string;
  readonly hardSigmoidSlope: number;
  readonly partialBatchCheck: PartialBatchCheck;
  /** predict() checks its sample count up front too (K2mb, when N > batch_size); TF.js predict does not. */
  readonly predictUpfront: boolean;
  /** GRU reset_after default (§8: True in tf.keras 2.x and Keras 3, False in Keras 2.3). */
  readonly gruResetAfter: boolean;
  /** Whether `model.reset_states()` exists (§2.1 "Reset API": not in Keras 3). */
  readonly hasModelResetStates: boolean;
  /** How user code zeroes the state in this version. */
  readonly resetCall: string;
  /** Automatic layer names count from 1 (Keras 2.3: lstm_1, lstm_2) or from none (lstm, lstm_1). */
  readonly layerNamesFromOne: boolean;
}

const keras3Base = {
  keras3: true,
  defaultRecurrentActivation: 'sigmoid',
  hardSigmoidFormula: 'relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)',
  hardSigmoidSlope: 1 / 6,
  partialBatchCheck: 'at-batch',
  predictUpfront: false,
  gruResetAfter: true,
  hasModelResetStates: false,
  resetCall: 'for layer in model.layers: if getattr(layer, "stateful", False): layer.reset_state() (Keras 3 has no model.reset_states(), and only recurrent layers have reset_state())',
  layerNamesFromOne: false,
} as const;

export const kerasProfiles: Readonly<Record<KerasVersion, KerasProfile>> = {
  '3': { ...keras3Base, version: '3', label: 'Keras 3 (3.12+)', statefulBatchCheck: true },
  '3.0-3.11': { ...keras3Base, version: '3.0-3.11', label: 'Keras 3.0–3.11', statefulBatchCheck: false },
  tf: {
    version: 'tf',
    label: 'tf.keras / tf-keras (TF 2.x)',
    keras3: false,
    statefulBatchCheck: false,
    defaultRecurrentActivation: 'sigmoid',
    hardSigmoidFormula: 'clip(0.2 * x + 0.5, 0, 1)',
    hardSigmoidSlope: 0.2,
    partialBatchCheck: 'at-batch',
    predictUpfront: false,
    gruResetAfter: true,
    hasModelResetStates: true,
    resetCall: 'model.reset_states()',
    layerNamesFromOne: false,
  },
  '2': {
    version: '2',
    label: 'multi-backend Keras 2.3',
    keras3: false,
    statefulBatchCheck: false,
    defaultRecurrentActivation: 'sigmoid',
    hardSigmoidFormula: 'clip(0.2 * x + 0.5, 0, 1)',
    hardSigmoidSlope: 0.2,
    partialBatchCheck: 'upfront',
    predictUpfront: true,
    gruResetAfter: false,
    hasModelResetStates: true,
    resetCall: 'model.reset_states()',
    layerNamesFromOne: true,
  },
  tfjs: {
    version: 'tfjs',
    label: 'TF.js Layers',
    keras3: false,
    statefulBatchCheck: false,
    // tfjs-layers recurrent.ts: LSTMCell/GRUCell DEFAULT_RECURRENT_ACTIVATION = 'hardSigmoid' (0.2x + 0.5)
    defaultRecurrentActivation: 'hard_sigmoid',
    hardSigmoidFormula: 'clip(0.2 * x + 0.5, 0, 1)',
    hardSigmoidSlope: 0.2,
    // engine/training.ts standardizeUserDataXY: fit and evaluate check a stateful model's sample count up front
    partialBatchCheck: 'upfront',
    predictUpfront: false,
    // GRUCell throws for reset_after=true
    gruResetAfter: false,
    hasModelResetStates: true,
    resetCall: 'model.resetStates()',
    layerNamesFromOne: false,
  },
};

/** Keras 3 of any minor version. */
export function isKeras3(version: KerasVersion): boolean {
  return kerasProfiles[version].keras3;
}

/** The version profiles that are Keras 3. */
export const keras3Versions: readonly KerasVersion[] = kerasVersions.filter(isKeras3);

/**
 * The profile of a version string as files and users state it: "3.15.1" → '3', "3.10.0" → '3.0-3.11',
 * "2.2.4" / "2.3.1" → '2' (multi-backend; Keras 1.x too), "2.4.0"–"2.15.x" and "2.x-tf" → 'tf'
 * (keras 2.4+ is tf.keras). With `of: 'tensorflow'` the string is TensorFlow's: "2.0"–"2.15" → 'tf';
 * TF 2.16+ ships Keras 3 of an unstated minor version, so that gives undefined. Undefined for anything
 * else. Source: §2.1 (the 3.12 check came with PR keras#21742, first in v3.12.0).
 */
export function kerasProfileForVersion(version: string, of: 'keras' | 'tensorflow' = 'keras'): KerasVersion | undefined {
  const match = /^\s*v?(\d+)\.(\d+)/.exec(version);
  if (!match) return undefined;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (of === 'tensorflow') return major === 2 && minor <= 15 ? 'tf' : undefined;
  if (major === 3) return minor >= 12 ? '3' : '3.0-3.11';
  if (major === 2) return /-tf\b/.test(version) || minor >= 4 ? 'tf' : '2';
  if (major === 1) return '2';
  return undefined;
}

/**
 * Why a Keras version string runs under its profile, for a note when the user gave a version rather
 * than a profile name (e.g. "3.15.1", "2.2.4", "1.2.2"); undefined for anything kerasProfileForVersion
 * does not map. Sources: §2.1 (the 3.12 check, PR keras#21742), §8 (default activations), §R
 * (measured on 3.15.1).
 */
export function versionProfileReason(version: string): string | undefined {
  const profile = kerasProfileForVersion(version);
  const match = /^\s*v?(\d+)\.(\d+)/.exec(version);
  if (profile === undefined || !match) return undefined;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const activation = olderDefaultActivation(version);
  const hard = activation ? `; its LSTM/GRU default recurrent_activation, ${activation}, is used` : '';
  switch (profile) {
    case '3':
      // newer than the version measured (3.15.1): minor above 15, or 3.15.x with x > 1
      return minor > 15 || (minor === 15 && Number(/^\s*v?\d+\.\d+\.(\d+)/.exec(version)?.[1] ?? 0) > 1)
        ? `${version} is newer than 3.15.1, the last version measured; assumed to behave like it`
        : 'Keras 3.12 and later, measured on 3.15.1';
    case '3.0-3.11':
      return 'they behave as Keras 3.15.1 without the stateful batch-size check that came in 3.12 (PR keras#21742)';
    case 'tf':
      return major === 2 && minor >= 16
        ? 'a 2.16+ version is the tf-keras package (Keras 2 kept for TensorFlow 2.16+, where keras is Keras 3)'
        : 'Keras 2.4–2.15 is tf.keras (the keras package became a front end of TensorFlow 2)';
    case '2':
      return major === 1
        ? `Keras 1.x has no profile of its own; it stores and resets state as multi-backend Keras 2.0–2.3 do${hard}`
        : `the profile of multi-backend Keras 2.0–2.3, which store and reset state alike${hard}`;
    default:
      return undefined;
  }
}

/**
 * The default recurrent_activation of a version older than the profile it runs under: Keras 1.x and
 * 2.0.0–2.2.5 default LSTM/GRU to hard_sigmoid (§8 "Default activations"; 2.3.0 changed it to sigmoid).
 */
export function olderDefaultActivation(version: string): RecurrentActivation | undefined {
  const match = /^\s*v?(\d+)\.(\d+)/.exec(version);
  if (!match) return undefined;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major === 1 || (major === 2 && minor <= 2) ? 'hard_sigmoid' : undefined;
}

/** A setting of the user's script that only some versions have. */
export type ScriptSetting = 'backend' | 'runEagerly' | 'jitCompile' | 'setRandomSeed';

/**
 * What each setting is in the user's script and which profiles have it: KERAS_BACKEND is Keras 3's
 * (tf.keras and Keras 2.3 run on TensorFlow); compile(run_eagerly=, jit_compile=) and
 * keras.utils.set_random_seed are Keras 3's and tf.keras's; Keras 2.3.1's compile() has neither
 * argument and its keras.utils no set_random_seed; TF.js Layers has none of them.
 */
export const scriptSettings: Readonly<Record<ScriptSetting | 'validationBatchSize', { readonly python: string; readonly versions: readonly KerasVersion[] }>> = {
  backend: { python: 'KERAS_BACKEND (the backend Keras 3 runs on)', versions: ['3', '3.0-3.11'] },
  runEagerly: { python: 'model.compile(run_eagerly=...)', versions: ['3', '3.0-3.11', 'tf'] },
  jitCompile: { python: 'model.compile(jit_compile=...)', versions: ['3', '3.0-3.11', 'tf'] },
  setRandomSeed: { python: 'keras.utils.set_random_seed(...)', versions: ['3', '3.0-3.11', 'tf'] },
  // a plan fit step's field: Keras 2.3.1's fit() and TF.js's model.fit() have no validation_batch_size
  validationBatchSize: { python: 'fit(validation_batch_size=...)', versions: ['3', '3.0-3.11', 'tf'] },
};

/**
 * Whether `version` lacks a setting given with `value`. A backend of tensorflow is what tf.keras and
 * Keras 2.3 run on anyway, so it is no contradiction there; TF.js has no Keras backend at all.
 */
export function lacksSetting(version: KerasVersion, setting: keyof typeof scriptSettings, value: unknown): boolean {
  if (value === undefined) return false;
  if (setting === 'backend' && value === 'tensorflow' && (version === 'tf' || version === '2')) return false;
  return !scriptSettings[setting].versions.includes(version);
}

/** The profile a TF.js model.json runs under: TF.js's own, whatever Keras version it was converted from. */
export const tfjsProfile: KerasVersion = 'tfjs';

/** The shape Keras prints in messages: a Python tuple. */
export function pythonShape(dims: readonly (number | null)[]): string {
  return `(${dims.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}
