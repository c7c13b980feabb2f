/**
 * Keras 3 `.keras` archive: a zip holding `config.json` (the model JSON), `metadata.json` (`keras_version`,
 * `date_saved`) and `model.weights.h5`. Only the two JSON files are read; the weights are never inflated.
 * tf.keras 2.13+ writes the same format (its metadata says e.g. "2.15.0").
 */
import { extractZipEntries, defaultZipLimits, type ZipLimits } from '../io/zip.ts';
import { fileError, quote } from './errors.ts';
import { decodeUtf8, parseJsonText } from './json.ts';
import { parseKerasModelObject } from './keras-json.ts';
import { isRecord } from './topology.ts';
import type { RecurrentModelInfo } from './types.ts';

export function parseKerasArchive(bytes: Uint8Array, file: string, limits: ZipLimits = defaultZipLimits): RecurrentModelInfo {
  const { entries, files } = extractZipEntries(bytes, file, ['config.json', 'metadata.json'], limits);
  const configBytes = files.get('config.json');
  if (!configBytes) {
    const names = entries.slice(0, 5).map((entry) => entry.name).join(', ');
    throw fileError(file, `zip archive has no config.json, so it is not a .keras model (entries: ${names || 'none'}${entries.length > 5 ? ', …' : ''})`);
  }
  let versionHint: string | undefined;
  const notes: string[] = [];
  const metadataBytes = files.get('metadata.json');
  if (metadataBytes) {
    const metadata = parseJsonText(decodeUtf8(metadataBytes, `${file}:metadata.json`), `${file}:metadata.json`, 'Keras archive metadata');
    if (!isRecord(metadata)) throw fileError(`${file}:metadata.json`, 'is not a JSON object');
    const version = metadata['keras_version'];
    if (typeof version === 'string') versionHint = version;
    else if (version !== undefined) throw fileError(`${file}:metadata.json`, `keras_version ${quote(version)} is not a string`);
  } else {
    notes.push('the archive has no metadata.json');
  }
  if (!entries.some((entry) => entry.name === 'model.weights.h5')) notes.push('the archive has no model.weights.h5');
  const config = parseJsonText(decodeUtf8(configBytes, `${file}:config.json`), `${file}:config.json`, 'Keras model JSON');
  const info = parseKerasModelObject(config, `${file}:config.json`, 'keras-archive', versionHint);
  if (versionHint === undefined && info.kerasVersion === undefined) {
    return { ...info, kerasVersion: '3', notes: [...notes, ...info.notes, 'Keras 3 assumed: .keras archives are the Keras 3 format'] };
  }
  return notes.length ? { ...info, notes: [...notes, ...info.notes] } : info;
}
