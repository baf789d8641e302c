import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../../../test/support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../vendors/mdm/kandji.js';
import { startLoopbackVendor, startSilentListener, type LoopbackVendor } from '../vendors/loopback.js';
import { ListInventory } from '../vendors/mdm/server-kit.js';
import { FAST_RETRY, lookup, range, syncAndWait } from './mdm/harness.js';

/**
 * Vendors that hang: one accepts the connection and never answers, one sends its headers
 * and stalls the body. "Test Configuration" used to take three minutes and report "the sync
 * was cancelled"; "Sync now" stayed "running, 0 pages" for minutes with no way to stop it.
 */
describe('vendors that never answer', () => {
  let c: TestCollector;
  let silent: Awaited<ReturnType<typeof startSilentListener>>;
  let stalling: LoopbackVendor;
  let kandji: KandjiServer;
  let restore: () => void;
  const QUICK = { test: { connectSeconds: 1, responseSeconds: 1 }, sync: { connectSeconds: 1, responseSeconds: 1 } };

  const create = async (name: string, config: Record<string, unknown>) => {
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'kandji', name, platforms: ['macos'], config });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };
  const run = async (id: string, syncId: string) => (await c.admin('GET', `/admin/v1/integrations/${id}/syncs/${syncId}`)).body;

  beforeAll(async () => {
    restore = overrideVendorClientForTests(FAST_RETRY);
    c = await startTestCollector({ scheduler: false });
    silent = await startSilentListener();
    stalling = await startLoopbackVendor('stall');
    kandji = await startKandjiServer({ apiToken: 'kandji-token-hang-0001', inventory: new ListInventory(range(0, 5).map(kandjiDevice)) });
  });
  afterAll(async () => {
    restore();
    await c.stop();
    await Promise.all([silent.close(), stalling.close(), kandji.close()]);
  });

  it('a configuration test reports that the vendor did not answer, within its timeout', async () => {
    const id = await create('silent', { baseUrl: silent.url, apiToken: 'kandji-token-hang-0001', timeouts: QUICK });
    const { status, body } = await c.admin('POST', `/admin/v1/integrations/${id}/test`);
    assert.equal(status, 200);
    assert.equal(body.ok, false);
    assert.equal(body.message, 'Kandji did not answer in 1 s');
    assert.ok(silent.accepted() >= 1);
  });

  it('a vendor that sends headers and stalls the body fails the test too', async () => {
    const id = await create('stalling', { baseUrl: stalling.url, apiToken: 'kandji-token-hang-0001', timeouts: QUICK });
    const { body } = await c.admin('POST', `/admin/v1/integrations/${id}/test`);
    assert.equal(body.ok, false);
    assert.equal(body.message, 'Kandji started answering but did not finish in 1 s');
  });

  it('by default a test waits 10 s for an answer, not minutes', async () => {
    const id = await create('silent, defaults', { baseUrl: silent.url, apiToken: 'kandji-token-hang-0001' });
    const { body } = await c.admin('POST', `/admin/v1/integrations/${id}/test`);
    assert.equal(body.ok, false);
    assert.equal(body.message, 'Kandji did not answer in 10 s');
  }, 60_000);

  it('a sync gives up on a silent vendor after its retries, saying why', async () => {
    const id = await create('silent sync', { baseUrl: silent.url, apiToken: 'kandji-token-hang-0001', timeouts: QUICK });
    const finished = await syncAndWait(c, id);
    assert.equal(finished.status, 'failed');
    assert.equal(finished.error, 'Kandji did not answer in 1 s');
    const stalled = await syncAndWait(
      c,
      await create('stalling sync', { baseUrl: stalling.url, apiToken: 'kandji-token-hang-0001', timeouts: QUICK }),
    );
    assert.equal(stalled.error, 'Kandji started answering but did not finish in 1 s');
  }, 60_000);

  it('refuses timeouts out of range, naming the field', async () => {
    const refused = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'kandji',
      name: 'bad timeouts',
      platforms: ['macos'],
      config: { baseUrl: kandji.url, apiToken: 'kandji-token-hang-0001', timeouts: { test: { responseSeconds: 0 } } },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.field, 'config.timeouts.test.responseSeconds');
  });

  it('a run waiting on a silent vendor is cancelled through the API at once', async () => {
    const id = await create('silent, cancelled', { baseUrl: silent.url, apiToken: 'kandji-token-hang-0001' });
    const started = await c.admin('POST', `/admin/v1/integrations/${id}/sync`);
    assert.equal(started.status, 202);
    const running = await run(id, started.body.syncId);
    assert.equal(running.status, 'running');
    assert.equal(running.pages, 0);
    const cancelled = await c.admin('POST', `/admin/v1/integrations/${id}/sync/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.error, 'the sync was cancelled');
    const again = await c.admin('POST', `/admin/v1/integrations/${id}/sync/cancel`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'SYNC_NOT_RUNNING');
  });

  it('shows live progress, and a cancel (devtrustctl) keeps the last good inventory whole', async () => {
    const id = await create('stalls mid-sync', { baseUrl: kandji.url, apiToken: 'kandji-token-hang-0001', pageSize: 2 });
    const good = await syncAndWait(c, id);
    assert.equal(good.status, 'succeeded', good.error);
    assert.equal(good.devices, 5);

    // Next time the vendor serves one page, then stops answering.
    kandji.reset();
    kandji.afterPage = (pages) => {
      if (pages === 1) kandji.faults.hang = true;
    };
    const started = await c.admin('POST', `/admin/v1/integrations/${id}/sync`);
    let progress = await run(id, started.body.syncId);
    while (progress.status === 'running' && progress.pages < 1) {
      await sleep(20);
      progress = await run(id, started.body.syncId);
    }
    assert.equal(progress.status, 'running', 'the run waits on the vendor');
    assert.equal(progress.pages, 1);
    assert.equal(progress.devices, 2);
    const listed = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body.lastSync;
    assert.equal(listed.id, started.body.syncId);
    assert.equal(listed.devices, 2, 'the integration shows the run so far');

    const env = { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN };
    const cli = await runBin('devtrustctl', ['integration', 'cancel', id, '--json'], { env });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).status, 'cancelled');

    const after = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
    assert.equal(after.devices, 5, 'the cancelled run removed nothing');
    assert.equal(after.lastSync.status, 'cancelled');
    for (const i of [0, 4]) assert.equal((await lookup(c, id, kandjiDevice(i).serial_number as string)).found, true);
    const staged = await c.store.knex('inventory_records').where({ generation: started.body.syncId }).count({ n: '*' }).first();
    assert.equal(Number(staged?.n), 0, 'what the cancelled run staged is gone');
  });
});
