/**
 * The recurrent layers Keras offers, as Keras names and shapes them: class names, automatic layer
 * names and state tensors per row (shared/keras-semantics.md §5). The maths of each cell is in nn/.
 */

export const cellKinds = ['lstm', 'gru', 'simple'] as const;
/** lstm = LSTM, gru = GRU, simple = SimpleRNN. */
export type CellKind = (typeof cellKinds)[number];

/** Keras class names, for messages and traces. */
export const cellClassNames: Readonly<Record<CellKind, string>> = { lstm: 'LSTM', gru: 'GRU', simple: 'SimpleRNN' };

/** Keras's automatic layer-name prefixes (lstm, lstm_1, gru, simple_rnn, …). */
export const cellLayerNames: Readonly<Record<CellKind, string>> = { lstm: 'lstm', gru: 'gru', simple: 'simple_rnn' };

/** State tensors per direction: LSTM [h, c], GRU [h], SimpleRNN [h] (§5). */
export const stateTensorCount: Readonly<Record<CellKind, number>> = { lstm: 2, gru: 1, simple: 1 };
