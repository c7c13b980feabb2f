/**
 * Headless Chromium for the HTML report tests and the README screenshots: Debian's `chromium`
 * (installed by .ci/run when missing) driven by playwright-core, which downloads no browser. It
 * runs as root in CI, hence --no-sandbox; the closed network here refuses Chromium's background
 * connections, hence the networking flags; every launch gets a new empty profile.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Where the browser is: CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  readonly browser: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Chromium with a new empty profile. Throws with the fix when the browser is missing: the
 * tests that need it fail instead of being skipped (.ci/run installs it).
 */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: the HTML report tests need a real browser. Install it with \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH.`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'lstm-reset-chromium-'));
  // a persistent context is how playwright gives Chromium its own --user-data-dir
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
    viewport: { width: 1280, height: 900 },
    offline: true,
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type { Browser };
