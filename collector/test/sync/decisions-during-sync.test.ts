import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { describeUnless } from '../../../test/support/skip.js';
import type { TestCollector } from '../../../test/support/collector.js';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { createTestApp, csvInventory, type TestApp } from '../../../test/support/app.js';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../vendors/mdm/kandji.js';
import { syntheticInventory } from '../vendors/mdm/server-kit.js';
import { FAST_RETRY } from './mdm/harness.js';
import { collectorOn, DATABASES } from './support/databases.js';

/**
 * A sync stages its pages as background writes (store/background-writes.ts): while decisions
 * keep the store busy it waits for SQLite's writer, cuts its parts smaller and paces itself.
 * Whatever it does, a decision taken meanwhile gets the verdict it gets with no sync, the
 * inventory it stores is the one a quiet sync stores, and a cancelled or failed sync leaves
 * the last good inventory as it was.
 */
// Kandji pages of 300: 20 pages, of which 18 are staged while the decisions run (they start at
// the second). 15,000 (50 pages) made this one of the suite's slowest files, for no more overlap: each
// page beside decisions is cut and paced the same way, the first as the fiftieth.
const DEVICES = 6_000;
/** The page at which a re-sync is cancelled or made to fail: half way. */
const HALF_WAY = 10;
const TOKEN = 'kandji-token-decisions-0001';
/** Decisions each agent takes during one sync, at most (they go on while it runs). */
const MAX_DECISIONS = 200;
/** Kandji device 6 is a Mac (every third device is). */
const KANDJI_MAC = kandjiDevice(6);

const IDENTITIES: Record<string, DeviceIdentity> = {
  // In the Kandji inventory only: trusted through the last good inventory throughout a re-sync.
  kandjiMac: { platform: 'macos', serialNumber: KANDJI_MAC.serial_number as string, hostname: KANDJI_MAC.device_name as string },
  // In the CSV inventory: another integration, which the sync does not touch.
  csvLaptop: { platform: 'windows', serialNumber: 'PF2CSV01', hostname: 'LAPTOP-CSV' },
  // In no inventory: not trusted, before, during and after.
  unknown: { platform: 'windows', serialNumber: 'PF2NOWHERE', hostname: 'LAPTOP-UNKNOWN' },
};

for (const db of DATABASES) {
  describeUnless(db.skip)(`decisions beside a sync on ${db.name}`, () => {
    let c: TestCollector;
    let kandji: KandjiServer;
    let app: TestApp;
    let restore: () => void;
    let kandjiId: string;
    const agents = new Map<string, TestAgent>();
    /** The first sync, with nothing else running. */
    let first: { run: any; inserts: number };
    /** Each agent's verdict with no sync running. */
    const quiet = new Map<string, string>();

    async function decide(name: string): Promise<string> {
      const agent = agents.get(name) as TestAgent;
      const tx = await app.open(`${name}@example.com`);
      await agent.agent.attest(tx);
      const { body } = await app.read(tx);
      assert.equal(body.state, 'decided', `${name}'s transaction was decided`);
      return body.verdict as string;
    }

    /** The integration's stored inventory, as matching reads it (the generation left out). */
    async function inventory(): Promise<unknown[]> {
      const rows = await c.store
        .knex('inventory_records')
        .join('integrations', function current() {
          this.on('integrations.id', '=', 'inventory_records.integration_id').andOn(
            'integrations.current_generation',
            '=',
            'inventory_records.generation',
          );
        })
        .where('inventory_records.integration_id', kandjiId)
        .select('inventory_records.*');
      return rows
        .map(({ generation, id, ...row }: Record<string, unknown>) => ({ ...row, position: String(id).slice(String(generation).length) }))
        .sort((a, b) => String(a.position).localeCompare(String(b.position)));
    }

    /** Starts a sync; `onPage` runs as the vendor serves each page (the sync has not committed yet). */
    async function syncWith(onPage: (page: number) => void): Promise<{ run: any; inserts: number }> {
      let inserts = 0;
      const count = ({ sql }: { sql: string }): void => {
        if (/^\s*insert\s+into\s+inventory_records\b/i.test(sql)) inserts++;
      };
      statementsOf(c.store.knex.client).on('done', count);
      kandji.reset();
      kandji.afterPage = onPage;
      try {
        // A run shows as ended before it let go of its lease (it deletes the previous inventory first).
        let started = await c.admin('POST', `/admin/v1/integrations/${kandjiId}/sync`);
        for (let i = 0; i < 500 && started.body?.error?.code === 'SYNC_RUNNING'; i++) {
          await sleep(20);
          started = await c.admin('POST', `/admin/v1/integrations/${kandjiId}/sync`);
        }
        assert.equal(started.status, 202, JSON.stringify(started.body));
        // Polled as an admin's console does, a few times a second: not enough to make the store busy.
        for (;;) {
          await sleep(250);
          const run = (await c.admin('GET', `/admin/v1/integrations/${kandjiId}/syncs/${started.body.syncId}`)).body;
          if (run.status !== 'running') return { run, inserts };
        }
      } finally {
        kandji.afterPage = null;
        statementsOf(c.store.knex.client).off('done', count);
      }
    }

    beforeAll(async () => {
      restore = overrideVendorClientForTests(FAST_RETRY);
      // Agents attest here far faster than people sign in: the abuse limits are not under test.
      c = await collectorOn(db.name, {
        env: {
          DEVTRUST_LIMIT_ATTESTATIONS_PER_ENDPOINT: '0',
          DEVTRUST_LIMIT_ATTESTATIONS_PER_ADDRESS: '0',
          DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: '0',
          DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: '0',
        },
      });
      kandji = await startKandjiServer({ apiToken: TOKEN, inventory: syntheticInventory(DEVICES, kandjiDevice) });
      kandjiId = (
        await c.admin('POST', '/admin/v1/integrations', {
          kind: 'kandji',
          name: 'Kandji',
          platforms: ['macos', 'ios'],
          config: { baseUrl: kandji.url, apiToken: TOKEN, detailsPerHour: 0 },
        })
      ).body.id;
      first = await syncWith(() => undefined);
      assert.equal(first.run.status, 'succeeded', first.run.error);
      assert.equal(first.run.devices, DEVICES);
      assert.equal((await c.admin('PUT', `/admin/v1/integrations/${kandjiId}/activation`, { mode: 'all-users' })).status, 200);
      await csvInventory(c, 'serial_number,device_name,platform\nPF2CSV01,LAPTOP-CSV,windows\n', { name: 'Laptops' });
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
      for (const [name, identity] of Object.entries(IDENTITIES)) agents.set(name, await startTestAgent(c.url, identity));
      for (const name of agents.keys()) quiet.set(name, await decide(name));
    }, 240_000);
    afterAll(async () => {
      restore?.();
      for (const agent of agents.values()) await agent.stop();
      await c?.stop();
      await kandji?.close();
    }, 60_000);

    it('stages a page in one statement when nothing else runs', () => {
      assert.equal(first.inserts, first.run.pages);
    });

    it('has each agent judged as the inventories say, with no sync', () => {
      assert.deepEqual(Object.fromEntries(quiet), { kandjiMac: 'trusted', csvLaptop: 'trusted', unknown: 'untrusted' });
    });

    it('answers decisions started during a re-sync with the same verdicts, and stores the same inventory', async () => {
      const before = await inventory();
      assert.equal(before.length, DEVICES);
      // From the vendor's second page on, each agent takes decisions one after the other until
      // the sync has ended; each one is started before the sync could commit.
      let syncing = true;
      const verdicts: { name: string; verdict: string }[] = [];
      const chains: Promise<void>[] = [];
      const { run, inserts } = await syncWith((page) => {
        if (page !== 2) return;
        for (const name of agents.keys()) {
          chains.push(
            (async () => {
              for (let n = 0; n < MAX_DECISIONS && (n === 0 || syncing); n++) verdicts.push({ name, verdict: await decide(name) });
            })(),
          );
        }
      }).finally(() => void (syncing = false));
      await Promise.all(chains);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.devices, DEVICES);
      assert.ok(verdicts.length >= agents.size, 'every agent was judged while the sync ran');
      assert.deepEqual(
        verdicts.filter(({ name, verdict }) => verdict !== quiet.get(name)),
        [],
        'every verdict during the sync is the verdict with no sync',
      );
      assert.deepEqual(await inventory(), before, 'the re-sync stored the inventory the quiet sync stored');
      // On SQLite the busy store had the sync's pages cut in parts: more statements than pages
      // (with nothing else running, one a page: above).
      if (db.name === 'sqlite') assert.ok(inserts > run.pages, `${inserts} INSERTs for ${run.pages} pages`);
    }, 240_000);

    for (const ending of ['cancelled', 'failed'] as const) {
      it(`keeps the last good inventory when a re-sync beside decisions is ${ending} half way`, async () => {
        const before = await inventory();
        let syncing = true;
        const chains: Promise<void>[] = [];
        const { run } = await syncWith((page) => {
          if (page === 2) {
            for (const name of agents.keys())
              chains.push(
                (async () => {
                  for (let n = 0; n < MAX_DECISIONS && (n === 0 || syncing); n++) assert.equal(await decide(name), quiet.get(name));
                })(),
              );
          }
          if (page === HALF_WAY) {
            if (ending === 'cancelled') void c.admin('POST', `/admin/v1/integrations/${kandjiId}/sync/cancel`);
            else kandji.faults.dieAfterPages = HALF_WAY;
          }
        }).finally(() => void (syncing = false));
        await Promise.all(chains);
        assert.equal(run.status, ending, run.error);
        assert.ok(run.devices < DEVICES, `${run.devices} devices staged before the sync ended`);
        assert.deepEqual(await inventory(), before, 'the last good inventory is untouched');
        // Nothing the ended run staged is left behind.
        const rows = await c.store.knex('inventory_records').where({ integration_id: kandjiId }).count({ n: '*' }).first();
        assert.equal(Number(rows?.n), DEVICES);
        for (const name of agents.keys()) assert.equal(await decide(name), quiet.get(name));
      }, 240_000);
    }
  });
}
