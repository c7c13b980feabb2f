/**
 * The README's screenshots of HTML reports (docs/*.png), taken from the build in headless Chromium
 * (run: npm run screenshots; needs /usr/bin/chromium, see test/helpers/browser.ts). Each report is
 * written by the CLI with --html and cut below the section named for it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/helpers/browser.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const shots = [
  { name: 'seed-question', args: ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15'], until: '#timeline' },
  {
    name: 'stateful',
    args: ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '3', '--reset-every', 'epoch'],
    until: '#sequences',
  },
];

const work = mkdtempSync(join(tmpdir(), 'lstm-reset-shots-'));
mkdirSync(join(root, 'docs'), { recursive: true });
const chromium = await launchChromium();
try {
  for (const shot of shots) {
    const html = `${shot.name}.html`;
    execFileSync('node', [join(root, 'bin', 'lstm-reset.js'), ...shot.args, '--html', html, '-q'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
    const page = await chromium.browser.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`file://${join(work, html)}`);
    const bottom = (await page.evaluate(`document.querySelector(${JSON.stringify(shot.until)}).getBoundingClientRect().bottom + window.scrollY`)) as number;
    const path = join(root, 'docs', `${shot.name}.png`);
    await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 12 } });
    await page.close();
    console.log(`screenshots: ${path}`);
  }
} finally {
  await chromium.close();
  rmSync(work, { recursive: true, force: true });
}
