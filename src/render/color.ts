/**
 * Colour is decided once, here, from the flags, the environment and the terminal, and handed to the
 * renderers as a Chalk instance (chalk itself ignores NO_COLOR).
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface ColorInputs {
  /** false with --no-color, true with --color, undefined when neither was given. */
  readonly flag: boolean | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether the stream the coloured text goes to is a terminal. */
  readonly isTTY: boolean;
}

/** 0 (none) or 1 (basic 16 colours; all lstm-reset uses). */
export function colorLevel({ flag, env, isTTY }: ColorInputs): 0 | 1 {
  if (flag === false) return 0;
  if (flag === true) return 1;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force === '0' || force === 'false' ? 0 : 1;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return 1;
}

export function makeChalk(inputs: ColorInputs): ChalkInstance {
  return new Chalk({ level: colorLevel(inputs) });
}
