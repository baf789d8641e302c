import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createProtectedApp } from '@devtrust/example-protected-app/app';
import type { TestCollector } from '../../support/collector.js';
import { CHROMIUM_SKIP, launchChromium, savePageScreenshot } from '../../support/chromium.js';
export { freePort } from '../../support/ports.js';

/** Debian's Chromium; the browser tests skip, saying why, where it is missing. */
export const BROWSER_SKIP = CHROMIUM_SKIP;

const ARTIFACTS = path.resolve(import.meta.dirname, '../../../test-artifacts/prompt');

export async function launchBrowser(): Promise<Browser> {
  return launchChromium();
}

/** A fresh browser profile per sign-in: no cookies carried between scenarios. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  return context.newPage();
}

export function screenshot(page: Page, name: string): Promise<void> {
  return savePageScreenshot(page, ARTIFACTS, name);
}

/** A port nothing listens on right now (for an agent door the collector must know first). */

export interface ExampleApp {
  name: string;
  url: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  close(): Promise<void>;
}

/**
 * Registers an application with the collector and serves the example protected app for
 * it on a free port (the port must exist before its redirect URI can be registered).
 */
export async function startExampleApp(
  c: TestCollector,
  name: string,
  policy: Record<string, unknown>,
  options: { signedRequest?: boolean; host?: 'localhost' } = {},
): Promise<ExampleApp> {
  const { host, ...appOptions } = options;
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  // Cookies ignore ports: an app served as "localhost" keeps its sign-in cookie apart from
  // one served as 127.0.0.1 in the same browser.
  const url = `http://${host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${url}/callback`;
  const created = await c.admin('POST', '/admin/v1/applications', { name, redirectUris: [redirectUri], policy });
  if (created.status !== 201) throw new Error(`registering ${name} failed: ${JSON.stringify(created.body)}`);
  const { clientId, clientSecret } = created.body as { clientId: string; clientSecret: string };
  const handler = await createProtectedApp({ issuer: c.url, clientId, clientSecret, port: 0, appUrl: url, demoUser: null, ...appOptions });
  server.on('request', handler);
  return {
    name,
    url,
    clientId,
    clientSecret,
    redirectUri,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The claims the example app shows after openid-client verified the ID token. */
export async function shownClaims(page: Page): Promise<Record<string, any>> {
  return JSON.parse((await page.textContent('#claims')) ?? '{}') as Record<string, any>;
}

export const INVENTORY_CSV = [
  'serial_number,hardware_uuid,machine_guid,device_name,platform,owner',
  'PF2ABCDE,4C4C4544-0042-3510-8052-B4C04F4E4D32,,LAPTOP-ALICE,windows,alice',
].join('\n');

export const ALICE_LAPTOP = {
  platform: 'windows' as const,
  hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E4D32',
  serialNumber: 'PF2ABCDE',
  hostname: 'LAPTOP-ALICE',
  osVersion: '10.0.22631',
};

export const STRANGER = { platform: 'linux' as const, serialNumber: 'NOT-IN-INVENTORY', hostname: 'stranger' };
