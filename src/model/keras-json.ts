/**
 * Keras `model.to_json()` output, every generation:
 *   Keras 1/2 and tf.keras: `{"class_name": "Sequential"|"Functional"|"Model", "config": {...}, "keras_version": "2.x", "backend": ...}`
 *   Keras 3:                `{"module": "keras", "class_name": ..., "config": {...}, "registered_name": ...}` (no version key)
 */
import type { KerasVersion, RecurrentActivation } from '../keras/profiles.ts';
import { fileError, quote } from './errors.ts';
import { parseJsonText } from './json.ts';
import { classifyKerasVersion, isRecord, looksLikeKeras3, parseModelTopology } from './topology.ts';
import type { ModelSource, RecurrentModelInfo } from './types.ts';

/** Parses the text of a Keras model JSON (`model.to_json()`). */
export function parseKerasJson(text: string, file: string): RecurrentModelInfo {
  return parseKerasModelObject(parseJsonText(text, file, 'Keras model JSON'), file, 'keras-json');
}

/**
 * Reads an already parsed Keras model object. `versionHint` is a version stated outside the object (the
 * `.keras` archive's metadata.json); the object's own `keras_version` wins over it.
 */
export function parseKerasModelObject(
  model: unknown,
  file: string,
  source: ModelSource,
  versionHint?: string,
  hintFrom = 'the file',
): RecurrentModelInfo {
  if (!isRecord(model)) throw fileError(file, 'is not a Keras model JSON object (expected {"class_name": ..., "config": ...})');
  if ('modelTopology' in model) throw fileError(file, 'is a TF.js model.json, not a Keras model JSON');
  const notes: string[] = [];
  const stated = model['keras_version'];
  if (stated !== undefined && typeof stated !== 'string') throw fileError(file, `keras_version ${quote(stated)} is not a string`);
  const versionString = stated ?? versionHint;
  let versionFrom = stated !== undefined ? 'keras_version in the model JSON' : versionHint !== undefined ? hintFrom : undefined;
  let kerasVersion: KerasVersion | undefined;
  if (versionString !== undefined) {
    const classified = classifyKerasVersion(versionString);
    kerasVersion = classified.version;
    if (classified.note) notes.push(classified.note);
  } else if (looksLikeKeras3(model)) {
    kerasVersion = '3';
    versionFrom = 'the Keras 3 serialisation format (no version stated: 3.12+ assumed)';
    notes.push('no keras_version in the file; Keras 3 inferred from its serialisation format');
  } else {
    notes.push('no keras_version in the file; Keras generation unknown');
  }
  return parseModelTopology(model, {
    file,
    source,
    kerasVersion,
    versionString,
    versionFrom,
    defaultRecurrentActivation: defaultRecurrentActivation(versionString),
    defaultResetAfter: kerasVersion === 'tf' || kerasVersion === '3' || kerasVersion === '3.0-3.11' || kerasVersion === undefined,
    notes,
  });
}

/** hard_sigmoid for Keras 1 and Keras 2.0–2.2, sigmoid from 2.3 on (§8 "Default activations"). */
function defaultRecurrentActivation(versionString: string | undefined): RecurrentActivation {
  const match = versionString === undefined ? null : /^\s*(\d+)\.(\d+)/.exec(versionString);
  if (!match) return 'sigmoid';
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major < 2 || (major === 2 && minor < 3) ? 'hard_sigmoid' : 'sigmoid';
}
