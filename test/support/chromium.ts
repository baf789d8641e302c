import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); DEVTRUST_TEST_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.DEVTRUST_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests skip here, or false when Chromium is installed. */
export const CHROMIUM_SKIP: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set DEVTRUST_TEST_CHROMIUM)`;

/**
 * Headless Chromium as every browser test starts it: no sandbox (tests run as root in CI), and
 * none of the background traffic (updates, sync, QUIC) that this machine's closed network
 * refuses and that would show as noise in the pages' logs.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
