/**
 * The automatic switch to counting (--count-only) for runs whose forward pass would exceed 2e11
 * flops: it says so in one stderr line naming --no-count-only, and none of the commands the README
 * shows (which users copy) switches.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from './helpers/io.ts';

const root = new URL('../', import.meta.url).pathname;
const switchNote = /counting in closed form instead/;

/** The `npx lstm-reset …` commands of the README's code blocks, as argument lists (lines joined at `\`). */
function readmeCommands(): string[][] {
  const text = readFileSync(`${root}README.md`, 'utf8').replace(/\\\n\s*/g, ' ');
  const commands: string[][] = [];
  for (const line of text.split('\n')) {
    const match = /^(?:\$ )?npx lstm-reset (.*)$/.exec(line.trim());
    if (match) commands.push(match[1]!.split(/\s+/).filter(Boolean));
  }
  return commands;
}

describe('the automatic switch to counting', () => {
  it('a 2e11-flop run counts in closed form and says so in one stderr line naming --no-count-only', async () => {
    // 2·4·64·(8+64) flops per sample-step × 100,000 × 50 × 20 epochs = 3.7e12
    const { code, stdout, stderr } = await run(['--shape', '100000,50,8', '--units', '64', '--batch', '256', '--epochs', '20', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).countOnly).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(switchNote);
    expect(stderr).toContain('--no-count-only');
  });

  it('the README shows commands, and none of them switches to counting', async () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const args of commands) {
      const { stderr, stdout } = await run(args);
      expect(stderr, `npx lstm-reset ${args.join(' ')}`).not.toMatch(switchNote);
      expect(stdout.length, `npx lstm-reset ${args.join(' ')}`).toBeGreaterThan(0);
    }
  });
});
