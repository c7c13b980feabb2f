/**
 * plainMessage (src/main.ts) makes every stderr message one line of plain text and shortens a
 * quoted value of thousands of characters; the apostrophes of prose are not quotes, so no message
 * text between them is ever cut.
 */
import { describe, expect, it } from 'vitest';
import { plainMessage } from '../src/main.ts';
import { run } from './helpers/io.ts';

const prose = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('plainMessage keeps prose whole', () => {
  it.each([
    ['possessives', `note: Keras's fit() ${prose(40)} and the layer's state ${prose(10)}.\n`],
    ['a plural possessive closing the span', `warning: the model's ${prose(40)} follows the samples' order; ${prose(5)}.\n`],
    ['contractions', `error: it doesn't ${prose(40)} and it won't ${prose(40)}; use --seed.\n`],
    ['a short quoted value, then prose, then an apostrophe', `error: unknown value 'abc' ${prose(40)} (Keras's default).\n`],
    ['quoted values around long prose', `error: '(x)' ${prose(40)} '(y)' and "a" ${prose(40)} "b".\n`],
    ['a quoted value with an apostrophe in it', `error: cannot read '/tmp/it's ${prose(40)}.npy': no such file; give the path.\n`],
    ['double quotes around prose with apostrophes', `error: --plan: "it's ${prose(10)}" isn't ${prose(40)}"; fix it.\n`],
    ['non-ASCII words', `note: café's ${prose(40)} naïve' ${prose(3)}.\n`],
  ])('%s', (_what, message) => {
    expect(message.length).toBeGreaterThan(200);
    expect(plainMessage(message)).toBe(message);
  });

  it('a quoted value of thousands of characters is cut in the middle, the text around it kept', () => {
    const value = 'x'.repeat(5000);
    for (const quote of ["'", '"']) {
      const cut = plainMessage(`error: unknown command ${quote}${value}${quote}; the commands are verify, audit (Keras's words)\n`);
      expect(cut).toBe(`error: unknown command ${quote}${'x'.repeat(100)}…${'x'.repeat(40)}${quote}; the commands are verify, audit (Keras's words)\n`);
    }
  });

  it('control characters are shown escaped; the message stays one line', () => {
    expect(plainMessage("error: --data 'a\nb\u001b[31m': no such file\n")).toBe("error: --data 'a\\nb\\x1b[31m': no such file\n");
  });

  it('through the CLI: an unknown command of 5,000 characters is one short line; a long file name with apostrophes is kept whole', async () => {
    const long = await run(['y'.repeat(5000)]);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/^error: unknown command 'y{100}…y{40}'; the commands are .*\n$/);
    const name = `/nonexistent/the model's ${prose(40)} it's.npy`;
    const missing = await run(['--data', name, '--batch', '2']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(name);
  });
});
