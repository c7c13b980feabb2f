/** Shared helpers of the model-reader tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ModelFileError } from '../../src/model/errors.ts';

/** Absolute path of a fixture under test/fixtures/. */
export function fixture(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
}

export function fixtureBytes(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(fixture(relative)));
}

export function fixtureText(relative: string): string {
  return readFileSync(fixture(relative), 'utf8');
}

/**
 * Runs `action`, expects a ModelFileError whose message is one line, starts with `file` (when given)
 * and matches every pattern. Returns the message.
 */
export function expectModelError(action: () => unknown, file: string | undefined, ...patterns: RegExp[]): string {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a ModelFileError').toBeInstanceOf(ModelFileError);
  const message = (thrown as ModelFileError).message;
  expect(message).not.toMatch(/[\r\n]/);
  if (file !== undefined) expect(message.startsWith(`${file}:`), `"${message}" should start with "${file}:"`).toBe(true);
  for (const pattern of patterns) expect(message).toMatch(pattern);
  return message;
}
