/**
 * The findings catalogue: the single source of truth for every finding lstm-reset can emit, with its
 * stable code, severity, the Keras versions it applies to, a one-line title, the general fix and the
 * source it rests on (§ = shared/keras-semantics.md). `findings.ts` builds every finding from its
 * entry here; `lstm-reset findings` lists this table.
 */
import type { Backend, KerasVersion } from './profiles.ts';

/** error: Keras would raise; warning: runs but likely not what you meant; info: worth knowing. */
export type Severity = 'error' | 'warning' | 'info';

export const severities: readonly Severity[] = ['error', 'warning', 'info'];

export interface CatalogueEntry {
  /** Stable identifier, for CI contracts and `--strict`. */
  readonly code: string;
  readonly severity: Severity;
  /** Keras version profiles the finding applies to. */
  readonly keras: readonly KerasVersion[];
  /** Keras 3 backends it applies to (absent: all of them). */
  readonly backends?: readonly Backend[];
  /** What the finding says, in one line. */
  readonly title: string;
  /** The general fix (an emitted finding may make it concrete with the run's numbers). */
  readonly fix: string;
  /** The spec section and the Keras source (file, PR, issue) the finding rests on. */
  readonly source: string;
}

const all = ['3', '3.0-3.11', 'tf', '2', 'tfjs'] as const;
const keras3 = ['3', '3.0-3.11'] as const;

const batchMismatchSource =
  '§2.1 "Batch-size mismatch or partial last batch": Keras 2.3.1 training.py _standardize_user_data, fit and predict (up-front checks); ' +
  'tf_keras engine/input_spec.py and engine/data_adapter.py (partial batch); Keras 3 rnn.py RNN.call (>= 3.12, PR keras#21742; before: keras#21183)';

export const findingCatalogue = [
  {
    code: 'tfjs-gru-reset-after',
    severity: 'error',
    keras: ['tfjs'],
    title: 'A TF.js model has a GRU with reset_after=True, which TF.js cannot load: nothing runs.',
    fix: 'Build the GRU with reset_after=False before converting (and retrain or convert its weights), or use an LSTM; TF.js Layers has no reset_after GRU.',
    source: 'tfjs-layers layers/recurrent.ts GRUCell constructor: "GRUCell does not support reset_after parameter set to true."; §8 (tf.keras and Keras 3 default reset_after=True)',
  },
  {
    code: 'tfjs-shuffle-batch',
    severity: 'error',
    keras: ['tfjs'],
    title: "TF.js model.fit() with shuffle: 'batch' throws NotImplementedError at its first epoch: nothing is trained.",
    fix: "Pass shuffle: false to model.fit() (or true); TF.js Layers has no 'batch' shuffling.",
    source: "tfjs-layers engine/training.ts fitLoop: if (shuffle === 'batch') throw new NotImplementedError('batch shuffling is not implemneted yet'); §3 shuffle='batch' table",
  },
  {
    code: 'tfjs-keras3-config',
    severity: 'error',
    keras: ['tfjs'],
    title: 'A TF.js model.json converted from Keras 3 has a config TF.js Layers does not read (an InputLayer with batch_shape, inbound nodes as {"args", "kwargs"}): it does not load, nothing runs.',
    fix: 'Convert from a tf.keras / tf_keras (Keras 2) save of the model, or edit model.json as TF.js expects: InputLayer batch_input_shape, inbound_nodes as [[["layer", 0, 0, {}]]] lists, weight names without the model prefix.',
    source: 'tfjs-layers engine/input_layer.ts InputLayer ("An InputLayer should be passed either a `batchInputShape` or an `inputShape`."), engine/container.ts fromConfig ("Corrupted configuration, expected array for nodeData"), models.ts Sequential.add; run with @tensorflow/tfjs 4.22.0; §8 (the TF.js Layers row)',
  },
  {
    code: 'tfjs-unknown-layer',
    severity: 'error',
    keras: ['tfjs'],
    title: 'A TF.js model names a layer class TF.js Layers does not have (CuDNNLSTM, CuDNNGRU): it does not load, nothing runs.',
    fix: 'Rebuild the model with LSTM / GRU(reset_after=False) in place of CuDNNLSTM / CuDNNGRU, load the CuDNN weights into it (Keras converts them), save and convert again.',
    source: 'tfjs-layers utils/generic_utils.ts deserializeKerasObject ("Unknown layer: …"); layers/recurrent.ts registers LSTM, GRU, SimpleRNN and their cells only; §8 (the TF.js Layers row)',
  },
  {
    code: 'stateful-unknown-batch-size',
    severity: 'error',
    keras: all,
    title: 'A stateful model has no fixed batch size, so Keras cannot create its state and nothing runs.',
    fix: 'Keras 3: build on keras.Input(batch_shape=(B, T, F)) (or Input(shape=(T, F), batch_size=B)); Keras 2 / tf.keras: batch_input_shape=(B, T, F) on the first layer.',
    source:
      '§2.1 "Error if the batch size is unknown": Keras 3 rnn.py RNN.build; tf-keras base_rnn.py reset_states; Keras 2.3.1 recurrent.py reset_states; tensorflow/tensorflow#64061',
  },
  {
    code: 'jax-stateful-no-effect',
    severity: 'error',
    keras: keras3,
    backends: ['jax'],
    title: 'On JAX, fit/evaluate/predict/*_on_batch never store a stateful layer\'s state: every batch starts from the trace-time (or current) value, so stateful=True has no effect there.',
    fix: 'Train a stateful model on the tensorflow backend, or carry the state yourself (return_state=True, pass initial_state); a direct model(x) call does store the state on JAX.',
    source:
      '§R1 (run on Keras 3.15.1, JAX 0.10.2): the state variables are untracked (rnn.py _create_state_variables), so backend/jax/trainer.py stateless_call neither passes them in nor returns their updates; jax.jit reads them as constants at trace time',
  },
  {
    code: 'torch-stateful-training',
    severity: 'error',
    keras: keras3,
    backends: ['torch'],
    title: 'On torch, fit/train_on_batch of a stateful LSTM or GRU with trainable weights raises at its first training batch: after that batch overwrote the state, or, with jit_compile=True, before it runs (torch.compile fails: the state is left as it was).',
    fix: "Pass use_cudnn=False to the LSTM/GRU (the generic loop copies the state), put a Masking layer in front, or train on the tensorflow backend; SimpleRNN and frozen layers are not affected.",
    source:
      '§R3 (run on Keras 3.15.1, torch 2.13): backend/torch/rnn.py lstm()/gru() fast path reads the state variable\'s tensor, which rnn.py RNN.call then assigns in place; autograd: "modified by an inplace operation"; with jit_compile=True torch.compile raises BackendCompilerFailed (inductor) before the batch runs (golden lstm-stateful-jit-true-trainable)',
  },
  {
    code: 'stateful-built-in-trainer',
    severity: 'error',
    keras: keras3,
    backends: ['jax', 'torch'],
    title: 'A Sequential without an Input is first called inside fit/evaluate/predict on JAX or torch, where Keras cannot create the stateful layers\' state.',
    fix: 'Start the model with keras.Input(batch_shape=(B, T, F)), or call it once on a batch (model(x)) before fit.',
    source: '§R5 (run on Keras 3.15.1): "You are attempting to create a variable while in a stateless scope"; tensorflow builds the layer from the first batch instead',
  },
  {
    code: 'one-row-broadcast',
    severity: 'warning',
    keras: ['3', '3.0-3.11', 'tf'],
    title: 'A 1-row batch against a stateful model is broadcast into every state row: all B rows are overwritten with one sample\'s result, silently.',
    fix: 'Give every fit/evaluate/predict call a multiple of the fixed batch size in samples (trim or pad the remainder).',
    source:
      '§R2 (run on Keras 3.15.1, tensorflow: a partial dataset batch has an unknown batch size, so the 3.12 check does not run); keras#21183 (every backend before 3.12); tf-keras base_rnn.py [inference, §2.1]',
  },
  {
    code: 'seeded-shuffle-repeats',
    severity: 'warning',
    keras: keras3,
    backends: ['tensorflow'],
    title: 'With keras.utils.set_random_seed, fit(shuffle=True or \'batch\') on tensorflow feeds every epoch in the same shuffled order.',
    fix: 'Shuffle the data yourself between epochs (a new permutation per epoch), or do not seed globally; jax and torch reshuffle every epoch.',
    source: '§R4 (run on Keras 3.15.1, tensorflow 2.21): array_data_adapter.py permutes in a dataset map function whose seeded op restarts with every epoch\'s iterator',
  },
  {
    code: 'stateful-partial-batch',
    severity: 'error',
    keras: all,
    title: "A stateful model meets a batch with fewer rows than its fixed batch size (the sample count is not a multiple of it).",
    fix: 'Make every sample count (fit, validation_split parts, evaluate, predict) a multiple of the fixed batch size: trim or pad the data.',
    source: batchMismatchSource,
  },
  {
    code: 'stateful-batch-size-mismatch',
    severity: 'error',
    keras: all,
    title: "fit/evaluate/predict's batch_size differs from the stateful layers' fixed batch size.",
    fix: 'Pass batch_size=B (the model\'s fixed batch size) to every fit(), evaluate() and predict() call.',
    source: batchMismatchSource,
  },
  {
    code: 'default-batch-size',
    severity: 'error',
    keras: all,
    title: 'batch_size was not given, so Keras uses 32, which is not the fixed batch size of the stateful model.',
    fix: 'Pass batch_size=B (the model\'s fixed batch size) explicitly to fit(), evaluate() and predict().',
    source:
      '§2.1 "Default batch_size of fit/evaluate/predict": 32 (tf_keras engine/data_adapter.py L269; Keras 3 array_data_adapter.py L88; keras#20327); then the batch-size checks of stateful-batch-size-mismatch',
  },
  {
    code: 'stateful-shuffle',
    severity: 'warning',
    keras: all,
    title: 'fit(shuffle=True) (the default) with a stateful model: row i no longer continues row i of the previous batch.',
    fix: 'Pass shuffle=False to fit() (--no-shuffle; "shuffle": false in a plan\'s fit steps).',
    source: '§3 shuffle: default True in every version, no warning (Keras 3 trainers/data_adapters, tf_keras training.py/data_adapter.py); Keras 3 rnn.py docstring L111-112 "Specify shuffle=False"',
  },
  {
    code: 'stateful-shuffle-batch',
    severity: 'warning',
    keras: all,
    title: "fit(shuffle='batch') with a stateful model breaks row continuity, differently in each version.",
    fix: "Pass shuffle=False to fit(): no version's shuffle='batch' keeps row i of batch k+1 the follow-up of row i of batch k.",
    source:
      "§3 shuffle='batch' table: Keras 2.3.1 training_utils.batch_shuffle L331-352 (whole batches); tf_keras engine/data_adapter.py L293-358 (batches and rows); Keras 3 array_data_adapter.py L234-235, L292-300, L328-336 (rows within each batch)",
  },
  {
    code: 'validation-contaminates-state',
    severity: 'warning',
    keras: all,
    backends: ['tensorflow', 'torch'],
    title: "Validation runs through the stateful layers after each epoch's training, starting from and overwriting the training state.",
    fix: 'Reset the state before and after validation (a callback), or validate with a separate stateless copy of the model.',
    source: '§3 "Validation contaminates state": fit runs evaluate() inside the epoch loop (Keras 2.3.1 training_arrays.py L144-215; tf_keras training.py L1791-1853; Keras 3 backend/*/trainer.py); evaluate updates stored state (§R6 on tensorflow and torch; never on JAX, §R1)',
  },
  {
    code: 'inference-updates-state',
    severity: 'warning',
    keras: all,
    title: 'evaluate()/predict() runs next to fit() with no reset between: it starts from the training state, or leaves its own state to the next fit.',
    fix: 'Reset the state between fit() and evaluate()/predict(), in both directions: model.reset_states() in Keras 2 and tf.keras, layer.reset_state() on each stateful layer in Keras 3 (it has no model.reset_states()), model.resetStates() in TF.js.',
    source: '§3: predict, evaluate and every call update stateful states (Keras 2.3.1 faq.md L446 and training.py L335-378 "Does update the network states"; Keras 3 rnn.py RNN.call L438-442; keras#2064 "Currently not possible" to skip); on JAX only direct model(x) calls do (§R1)',
  },
  {
    code: 'state-never-reset',
    severity: 'info',
    keras: all,
    title: 'Keras never resets stateful state by itself: it carries through every batch, epoch and validation run.',
    fix: "Call reset_states() where a new sequence starts, e.g. in a callback's on_epoch_end (--reset-every epoch) or as a reset step of the plan.",
    source: '§3: no fit/evaluate/predict loop calls reset_states (Keras 3 trainer.py reset_metrics resets metrics only); §2.1 Reset API',
  },
  {
    code: 'reset-every-never-fires',
    severity: 'warning',
    keras: all,
    title: 'A reset every K batches never fires: an epoch has fewer than K training batches and the callback batch index restarts every epoch.',
    fix: 'Use a period of at most the batches per epoch, or count batches across epochs in the callback.',
    source: 'Keras callbacks: on_train_batch_end(batch) receives the batch index within the epoch (§3 epoch loops: callbacks.on_epoch_begin per epoch)',
  },
  {
    code: 'no-model-reset-states',
    severity: 'info',
    keras: keras3,
    title: 'Keras 3 has no model.reset_states(); resetting has to loop over the stateful layers.',
    fix: 'for layer in model.layers: if getattr(layer, "stateful", False): layer.reset_state()',
    source: '§2.1 Reset API: no Model.reset_state(s) in keras/src/models (v3.0.0-v3.15.1); MITDeepLearning/introtodeeplearning#174',
  },
  {
    code: 'model-reset-states-raises',
    severity: 'error',
    keras: keras3,
    title: 'The script calls model.reset_states(), which Keras 3 does not have: AttributeError, and the script stops there unless it catches it.',
    fix: 'for layer in model.layers: if getattr(layer, "stateful", False): layer.reset_state()',
    source: '§2.1 Reset API, §R6 (run on Keras 3.15.1, every backend): model.reset_states() raises AttributeError; golden lstm-stateful-model-reset-states',
  },
  {
    code: 'initial-state-ignored',
    severity: 'warning',
    keras: ['tf'],
    title: 'tf.keras uses the initial_state passed to a stateful layer only while its stored state is all zeros, then silently ignores it.',
    fix: 'Call reset_states() before every call whose initial_state should apply, or drop stateful=True and pass the state yourself (return_state=True).',
    source: '§6 initial_state with stateful: tf_keras layers/rnn/base_rnn.py _process_inputs L785-802 (cond(non_zero_count > 0, self.states, initial_state)); keras/layers/recurrent.py L849 @v2.6.0',
  },
  {
    code: 'initial-state-overrides-carry',
    severity: 'info',
    keras: ['3', '3.0-3.11', '2'],
    title: 'initial_state passed to a stateful layer replaces the carried state on every call; stateful=True then only stores the final state.',
    fix: 'Pass initial_state only on the call that starts a sequence, or drop stateful=True and carry the state yourself (return_state=True).',
    source: '§6 initial_state with stateful: Keras 3 rnn.py RNN.call L382-388, L438-442; Keras 2.3.1 recurrent.py RNN.call L627-632',
  },
  {
    code: 'hard-sigmoid-formula',
    severity: 'info',
    keras: all,
    title: 'hard_sigmoid changed its formula: clip(0.2x + 0.5, 0, 1) in Keras 2, tf.keras and TF.js; clip(x/6 + 0.5, 0, 1) in Keras 3.',
    fix: 'Keep the Keras version a model was trained with, or retrain after moving it.',
    source: '§8 "hard_sigmoid changed its formula": tf_keras backend.py hard_sigmoid L5926-5944; Keras 3 activations.py L518-537; tfjs tfjs_backend.ts hardSigmoid',
  },
  {
    code: 'stateful-bidirectional',
    severity: 'warning',
    keras: all,
    title: "A stateful Bidirectional layer carries its backward direction's state into the next window in the wrong direction.",
    fix: 'Make the Bidirectional layer stateless, or feed whole sequences (no carry) to it.',
    source: '§5 auditor note: Bidirectional states are [forward, backward] (Keras 3 bidirectional.py call L229-244); the backward carry crosses the window in the wrong direction',
  },
  {
    code: 'mixed-statefulness',
    severity: 'info',
    keras: all,
    title: 'Some recurrent layers are stateful and some are not: the stateless ones start every batch from zeros.',
    fix: 'Make every recurrent layer of a windowed model stateful, unless a stateless one is intended.',
    source: '§5: stacked layers each hold their own states and are stateful or not on their own (tf_keras training.py reset_states L3405-3410)',
  },
] as const satisfies readonly CatalogueEntry[];

export type FindingCode = (typeof findingCatalogue)[number]['code'];

const byCode = new Map<string, CatalogueEntry>(findingCatalogue.map((entry) => [entry.code, entry]));

/** The catalogue entry of a code. */
export function catalogueEntry(code: FindingCode): CatalogueEntry {
  return byCode.get(code)!;
}

/** The entry of a code given as text (e.g. from JSON), or undefined. */
export function lookupFinding(code: string): CatalogueEntry | undefined {
  return byCode.get(code);
}

/** The entries that apply to a Keras version (all when none is given), in catalogue order. */
export function catalogueFor(keras?: KerasVersion): CatalogueEntry[] {
  return findingCatalogue.filter((entry) => keras === undefined || (entry.keras as readonly KerasVersion[]).includes(keras));
}
