/**
 * Every source of a Keras mask reaches the rules that depend on it. On torch, Keras 3 runs an LSTM or
 * a GRU(reset_after=True) through its fused kernel only without a mask; the fused kernel is what
 * makes a trainable stateful layer raise in fit (§R3), while the generic loop of a masked layer trains
 * (golden fixtures lstm-stateful-mask-trainable, gru-stateful-mask-trainable; measured again on Keras
 * 3.15.1 torch 2.13 with Sequential([Input(batch_shape=(4,5,2)), Masking(0.), LSTM(3, stateful=True),
 * Dense(1)]) and post-padded lengths 5,3,0,4: fit runs, every batch carries). A mask comes from the
 * command line's padding (--lengths, --mask-tail: a Masking layer in front of the stack) or from a
 * model file's Masking / Embedding(mask_zero=True) layers, and a model file can also rule the fused
 * kernel out (recurrent_dropout > 0) or freeze the layer (trainable: false).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/io.ts';

const models = new URL('./fixtures/models/k3-stateful-masking/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-masks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Doc {
  completed: boolean;
  totals: { carries: number; fitBatches: number; byReason: Record<string, number> };
  findings: { code: string }[];
}

async function json(argv: readonly string[]): Promise<{ code: number; doc: Doc }> {
  const { code, stdout } = await run([...argv, '--json', '-q']);
  return { code, doc: JSON.parse(stdout) as Doc };
}

const codes = (doc: Doc) => doc.findings.map((f) => f.code);

describe('the command line: --lengths and --mask-tail put a Masking layer in front of the stack', () => {
  const base = ['--shape', '12,5,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2', '--units', '3', '--backend', 'torch'];
  const paddings: [string, string[]][] = [
    ['--lengths 5,3,0,4 --padding post', ['--lengths', '5,3,0,4', '--padding', 'post']],
    ['--lengths 5,3,0,4 (pre)', ['--lengths', '5,3,0,4']],
    ['--lengths 2-5', ['--lengths', '2-5']],
    ['--mask-tail 1', ['--mask-tail', '1']],
    ['--mask-tail 2 --mask-fraction 0.5', ['--mask-tail', '2', '--mask-fraction', '0.5']],
  ];
  for (const cell of ['lstm', 'gru']) {
    it.each(paddings)(`${cell}, %s: the masked layer takes the generic loop and trains; every batch carries`, async (_label, padding) => {
      for (const counting of [[], ['--count-only']]) {
        const { code, doc } = await json([...base, '--cell', cell, ...padding, ...counting]);
        expect(codes(doc)).not.toContain('torch-stateful-training');
        expect(code).toBe(0);
        // 6 batches, the first from the initial zeros: 5 carries, as on tensorflow
        expect(doc.totals).toMatchObject({ fitBatches: 6, carries: 5 });
        expect(doc.completed).toBe(true);
      }
    });
    it(`${cell} without padding: the fused kernel, and fit raises after its first batch`, async () => {
      const { code, doc } = await json([...base, '--cell', cell]);
      expect(code).toBe(3);
      expect(codes(doc)).toContain('torch-stateful-training');
      expect(doc.totals.fitBatches).toBe(1);
    });
  }
});

describe('a model file: its Masking layer, recurrent_dropout and trainable flags decide (audit)', () => {
  const args = ['--data', `${models}x.npy`, '--batch', '4', '--no-shuffle', '--epochs', '2', '--backend', 'torch'];

  it('Masking(0.0) -> stateful LSTM: masked, so fit trains on torch and carries', async () => {
    const { code, doc } = await json(['audit', `${models}model.keras`, ...args]);
    expect(codes(doc)).not.toContain('torch-stateful-training');
    expect(code).toBe(0);
    expect(doc.totals).toMatchObject({ fitBatches: 6, carries: 5 });
  });

  it('the same model without Masking: padded samples are plain data, no mask reaches the LSTM, fit raises', async () => {
    const synthetic = ['--samples', '12', '--lengths', '5,3,0,4', '--padding', 'post', ...args.slice(2)];
    for (const given of [args, synthetic]) {
      const { code, doc } = await json(['audit', `${models}nomask.keras`, ...given]);
      expect(code).toBe(3);
      expect(codes(doc)).toContain('torch-stateful-training');
    }
    // with the Masking layer, the same synthetic padding is masked
    const { code } = await json(['audit', `${models}model.keras`, ...synthetic]);
    expect(code).toBe(0);
  });

  it('recurrent_dropout=0.1 rules the fused kernel out: fit trains (measured: Keras 3.15.1, torch)', async () => {
    const { code, doc } = await json(['audit', `${models}recdrop.keras`, ...args]);
    expect(code).toBe(0);
    expect(doc.totals.carries).toBe(5);
  });

  it("the file's trainable: false on the LSTM: nothing needs its gradient, fit runs", async () => {
    const files = unzipSync(new Uint8Array(readFileSync(`${models}nomask.keras`)));
    const config = JSON.parse(strFromU8(files['config.json']!));
    for (const layer of config.config.layers) if (layer.class_name === 'LSTM') layer.config.trainable = false;
    files['config.json'] = strToU8(JSON.stringify(config));
    const path = join(dir, 'frozen.keras');
    writeFileSync(path, zipSync(files));
    const { code, doc } = await json(['audit', path, ...args]);
    expect(code).toBe(0);
    expect(doc.totals.carries).toBe(5);
  });
});
