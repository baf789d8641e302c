import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { Store } from '@devtrust/collector/store/store';
import { startLoopbackVendor, type LoopbackVendor } from '../../collector/test/vendors/loopback.js';
import { BINS } from '../support/bin.js';
import { OWNER_TOKEN } from '../support/credentials.js';
import { freePort, spawnProcess, type Spawned } from './spawned.js';

const PUBLIC_URL = 'https://devtrust.example.com';

/** The collector's pino lines (JSON on stdout), each with the index of the line it was. */
function logEntries(stdout: string): { at: number; msg?: string; [k: string]: unknown }[] {
  return stdout.split('\n').flatMap((line, at) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return typeof entry === 'object' && entry !== null ? [{ ...entry, at }] : [];
    } catch {
      return [];
    }
  });
}
const lineIndex = (stdout: string, pattern: RegExp): number => stdout.split('\n').findIndex((line) => pattern.test(line));

/**
 * The shipped collector in its own process, as a service manager runs it: what it says when
 * it starts (where it listens, and the public URL apart) and when a signal stops it.
 */
describe('devtrust-collector start-up and stop lines', () => {
  let dataDir: string;
  let collector: Spawned | null = null;
  let vendor: LoopbackVendor;
  beforeAll(async () => {
    vendor = await startLoopbackVendor('silent');
  });
  afterEach(async () => {
    await collector?.stop('SIGKILL');
    collector = null;
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await vendor?.close();
  });

  async function start(): Promise<{ port: number }> {
    dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-stop-'));
    const port = await freePort();
    collector = spawnProcess(process.execPath, [BINS['devtrust-collector']], {
      env: {
        DEVTRUST_DATA_DIR: dataDir,
        DEVTRUST_HOST: '127.0.0.1',
        DEVTRUST_PORT: String(port),
        // As behind nginx: the URL people use is the proxy's, not the address listened on.
        DEVTRUST_PUBLIC_URL: PUBLIC_URL,
        DEVTRUST_TRUST_PROXY: 'true',
        DEVTRUST_BOOTSTRAP_TOKEN: OWNER_TOKEN,
        DEVTRUST_LOG_LEVEL: 'info',
      },
    });
    await collector.waitForOutput(/^DevTrust collector listening on /m, 'the listening line');
    return { port };
  }

  it('names the address it listens on and the public URL apart, each labelled', async () => {
    const { port } = await start();
    const out = (collector as Spawned).stdout();
    assert.match(
      out,
      new RegExp(`^DevTrust collector listening on http://127\\.0\\.0\\.1:${port} \\(DEVTRUST_HOST, DEVTRUST_PORT\\)$`, 'm'),
    );
    assert.match(
      out,
      /^ {2}public URL: https:\/\/devtrust\.example\.com \(DEVTRUST_PUBLIC_URL: what agents, browsers and applications use\)$/m,
    );
    assert.match(out, /^ {2}database: /m);
    const listening = logEntries(out).find((e) => e.msg === 'collector listening');
    assert.equal(listening?.listening, `http://127.0.0.1:${port}`);
    assert.equal(listening?.publicUrl, PUBLIC_URL);
    // The address it names is the one that answers.
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} says it is stopping, then that it stopped, and exits 0`, async () => {
      await start();
      const running = collector as Spawned;
      assert.equal(await running.stop(signal), 0, running.stderr());
      const out = running.stdout();
      const stopping = lineIndex(out, new RegExp(`^DevTrust collector stopping \\(${signal}\\)`));
      const stopped = lineIndex(out, /^DevTrust collector stopped$/);
      assert.ok(stopping >= 0 && stopped > stopping, out);
      const entries = logEntries(out);
      assert.equal(entries.find((e) => e.msg === 'collector stopping')?.signal, signal);
      assert.equal(entries.find((e) => e.msg === 'collector stopped')?.signal, signal);
    });
  }

  it('a sync in progress is ended and recorded before "stopped", not left running', async () => {
    const { port } = await start();
    const base = `http://127.0.0.1:${port}`;
    const admin = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${base}${route}`, {
        method,
        headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      assert.ok(response.ok, `${method} ${route}: ${response.status} ${text}`);
      return JSON.parse(text);
    };
    const jamf = await admin('POST', '/admin/v1/integrations', {
      kind: 'jamf-pro',
      name: 'Jamf',
      platforms: ['macos'],
      config: { baseUrl: vendor.url, clientId: 'jamf-client', clientSecret: 'jamf-secret-0123456789abcdef' },
    });
    const seen = vendor.received.length;
    const { syncId } = await admin('POST', `/admin/v1/integrations/${jamf.id}/sync`);
    // The run is waiting on the vendor, which never answers.
    for (let i = 0; i < 200 && vendor.received.length === seen; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(vendor.received.length > seen, 'the sync reached the vendor');
    assert.equal((await admin('GET', `/admin/v1/integrations/${jamf.id}/syncs/${syncId}`)).status, 'running');

    const running = collector as Spawned;
    assert.equal(await running.stop('SIGTERM'), 0, running.stderr());
    const out = running.stdout();
    const entries = logEntries(out);
    const stopping = entries.find((e) => e.msg === 'collector stopping')?.at ?? -1;
    const ended = entries.find((e) => e.syncId === syncId && /^sync (cancelled|failed)/.test(String(e.msg)))?.at ?? -1;
    const stopped = entries.find((e) => e.msg === 'collector stopped')?.at ?? -1;
    assert.ok(stopping >= 0 && ended > stopping && stopped > ended, out);
    // What the stopped collector left in its database: the run ended, not "running".
    const store = await Store.open({ databaseUrl: null, dataDir });
    try {
      const run = await store.syncRuns.get(syncId);
      assert.ok(run && run.status !== 'running' && run.finishedAt !== null, JSON.stringify(run));
      // Said as what happened, not as if an admin had cancelled it (newcomer, review r6).
      assert.equal(run.status, 'cancelled');
      assert.equal(run.error, 'the collector was stopped during the sync');
    } finally {
      await store.close();
    }
  });
});
