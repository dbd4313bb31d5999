import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error TS1479: the package names its ESM types first; require() gets its CJS build.
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type BrowserContext } from 'playwright-core';

/**
 * Headless Chromium from the npm package @sparticuz/chromium (the binary ships inside it, so
 * nothing is downloaded), driven by playwright-core, with a fresh profile each time.
 * The package's own default flags are not used: its `--single-process` ends the browser when
 * the first page closes.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'pharos-chromium-'));
  const context = await playwright.launchPersistentContext(profile, {
    executablePath: await chromium.executablePath(),
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
    // The relay's public URL has the sandbox's self-signed certificate.
    ignoreHTTPSErrors: true,
    locale: 'en-US',
    timezoneId: 'Europe/London',
  });
  // Nothing leaves the machine: a request to anything but loopback is refused, and the
  // refusal reaches the page as a failed request (which the test counts as an error).
  await context.route(
    (url) => !LOOPBACK_HOSTS.has(url.hostname) && url.protocol !== 'data:',
    (route) => route.abort('blockedbyclient'),
  );
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
