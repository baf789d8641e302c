import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { startKandjiServer, kandjiDevice, type KandjiServer } from '../../collector/test/vendors/mdm/kandji.js';
import { syntheticInventory } from '../../collector/test/vendors/mdm/server-kit.js';
import { OWNER_TOKEN } from '../support/credentials.js';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';
import { CollectorProcess, pollUntil, sleep } from './collector-process.js';
import { Fleet } from './fleet.js';

/**
 * `kill -9` of the shipped collector in the middle of a CSV upload, a vendor sync, report
 * ingestion and an OIDC key rotation, then a restart on the same data: the last good
 * inventory is whole (no partial one, no run left "running"), agents come back by
 * themselves, nothing an agent was told was stored is lost, and the signing keys work.
 */

const KEEP = ['KEEP-0001', 'KEEP-0002', 'KEEP-0003'];
/**
 * The Kandji inventory: 6 pages of 100, so the kill (after the third page) lands mid-way and the
 * sync after the restart reads every page again. 3,000 (30 pages, and a details read per Mac)
 * made that second sync most of this file's time.
 */
const KANDJI_DEVICES = 600;

for (const database of DATABASES) {
  describeUnless(database.skip)(`kill -9 and restart (${database.name})`, () => {
    let collector: CollectorProcess;
    let dataDir: string;
    let env: Record<string, string>;
    let drop: (() => Promise<void>) | null = null;
    let csvId: string;
    let kandji: KandjiServer;

    const api = async (
      method: string,
      urlPath: string,
      body?: unknown,
      type = 'application/json',
    ): Promise<{ status: number; body: any }> => {
      const response = await fetch(`${collector.url}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${OWNER_TOKEN}`, ...(body !== undefined ? { 'content-type': type } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : JSON.parse(text) };
    };
    const found = async (integrationId: string, identifier: string): Promise<boolean> =>
      (await api('GET', `/admin/v1/integrations/${integrationId}/identifiers/${identifier}`)).body.found === true;

    /** Kills the collector and starts it again on the same data directory and port. */
    async function killAndRestart(): Promise<void> {
      const port = new URL(collector.url).port;
      await collector.kill();
      collector = await CollectorProcess.start({ ...env, DEVTRUST_PORT: port });
    }

    /** The integration's runs: none left running, and the inventory is what the last good run stored. */
    async function assertSettled(integrationId: string, devices: number): Promise<void> {
      const { body } = await api('GET', `/admin/v1/integrations/${integrationId}/syncs`);
      assert.ok(!body.syncs.some((s: { status: string }) => s.status === 'running'), JSON.stringify(body.syncs[0]));
      assert.equal((await api('GET', `/admin/v1/integrations/${integrationId}`)).body.devices, devices);
    }

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-kill-'));
      env = { DEVTRUST_DATA_DIR: dataDir, DEVTRUST_AGENT_RETRY_SEC: '1' };
      if (database.name === 'postgres') {
        const fresh = await freshPostgresDatabase();
        env.DEVTRUST_DATABASE_URL = fresh.url;
        drop = fresh.drop;
      }
      collector = await CollectorProcess.start(env);
      const created = await api('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Laptops', platforms: ['windows'], config: {} });
      csvId = created.body.id;
      assert.equal(
        (await api('PUT', `/admin/v1/integrations/${csvId}/inventory`, `serial_number\n${KEEP.join('\n')}\n`, 'text/csv')).status,
        200,
      );
      kandji = await startKandjiServer({ apiToken: 'kandji-kill-token-0001', inventory: syntheticInventory(KANDJI_DEVICES, kandjiDevice) });
    });
    afterAll(async () => {
      await collector?.stop();
      await kandji?.close();
      await drop?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('during a CSV upload: the previous inventory is whole, and the next upload goes through', async () => {
      // A large upload: received whole (spooled), then stored a page (1,000 rows) at a time; the
      // kill lands as the first pages are stored, with about 200 still to come (400,000 before:
      // twice the sending, spooling and clean-up for the same kill).
      const request = http.request(`${collector.url}/admin/v1/integrations/${csvId}/inventory`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'text/csv' },
      });
      request.on('error', () => undefined);
      request.on('response', (res) => res.resume());
      request.write('serial_number,device_name\n');
      for (let row = 0; row < 200_000; row += 10_000) {
        const lines: string[] = [];
        for (let k = row; k < row + 10_000; k++) lines.push(`NEW-${String(k).padStart(7, '0')},laptop-${k}\n`);
        request.write(lines.join(''));
      }
      request.end();
      const storing = await pollUntil(
        async () => {
          const { body } = await api('GET', `/admin/v1/integrations/${csvId}/syncs`);
          return body.syncs[0]?.status === 'running' && body.syncs[0].devices > 0;
        },
        60_000,
        20,
      );
      assert.ok(storing, 'the upload never started storing rows');
      const killed = collector.pid;
      assert.ok(
        readdirSync(tmpdir()).some((n) => n.startsWith(`devtrust-upload-${killed}-`)),
        'no spool file while the upload is stored',
      );
      await killAndRestart();
      request.destroy();
      // The killed process's spool (the whole upload, up to 256 MiB) is deleted by the restart.
      assert.deepEqual(
        readdirSync(tmpdir()).filter((n) => n.startsWith(`devtrust-upload-${killed}-`)),
        [],
      );
      await assertSettled(csvId, KEEP.length);
      for (const serial of KEEP) assert.ok(await found(csvId, serial), `${serial} lost`);
      assert.equal(await found(csvId, 'NEW-0000000'), false, 'a row of the killed upload is live');
      const again = await api(
        'PUT',
        `/admin/v1/integrations/${csvId}/inventory`,
        `serial_number\n${KEEP.join('\n')}\nAFTER-0001\n`,
        'text/csv',
      );
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.ok(await found(csvId, 'AFTER-0001'));
    });

    it('during a vendor sync: the previous inventory is whole, and the next sync goes through', async () => {
      const created = await api('POST', '/admin/v1/integrations', {
        kind: 'kandji',
        name: 'Kandji',
        platforms: ['macos'],
        config: { baseUrl: kandji.url, apiToken: 'kandji-kill-token-0001', pageSize: 100 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const kandjiId = created.body.id as string;
      // The vendor stops answering once it served its third page (of six): the run is surely
      // mid-way when killed.
      kandji.afterPage = (pages) => {
        if (pages === 3) kandji.faults.hang = true;
      };
      assert.equal((await api('POST', `/admin/v1/integrations/${kandjiId}/sync`)).status < 300, true);
      assert.ok(await pollUntil(() => kandji.faults.hang, 60_000), 'the sync never fetched three pages');
      await sleep(300);
      await killAndRestart();
      await assertSettled(kandjiId, 0);
      kandji.reset();
      assert.equal((await api('POST', `/admin/v1/integrations/${kandjiId}/sync`)).status < 300, true);
      const done = await pollUntil(
        async () => (await api('GET', `/admin/v1/integrations/${kandjiId}/syncs`)).body.syncs[0]?.status !== 'running',
        90_000,
      );
      assert.ok(done);
      const last = (await api('GET', `/admin/v1/integrations/${kandjiId}/syncs`)).body.syncs[0];
      assert.equal(last.status, 'succeeded', JSON.stringify(last));
      await assertSettled(kandjiId, KANDJI_DEVICES);
    });

    it('during report ingestion: agents come back by themselves and every acknowledged report is stored', async () => {
      const fleet = new Fleet(collector.url, 12);
      await fleet.start();
      try {
        const started = Date.now();
        fleet.reportEvery(100, 40);
        assert.ok(await pollUntil(() => fleet.ackedSince(started) >= 24, 30_000), 'no reports acknowledged before the kill');
        await killAndRestart();
        const restarted = Date.now();
        assert.ok(await pollUntil(() => fleet.ackedSince(restarted) >= 12, 60_000), 'agents did not come back');
        await pollUntil(() => fleet.outstanding() === 0, 60_000, 200);
        fleet.stopReporting();
        const lost: string[] = [];
        for (const agent of fleet.agents) {
          const id = agent.link.endpointId as string;
          const { status, body } = await api('GET', `/admin/v1/endpoints/${id}`);
          assert.equal(status, 200, `endpoint ${id} is gone`);
          const stored = new Set((body.history as { seq: number }[]).map((h) => h.seq));
          // The history keeps the last 20 reports: check what it can still hold.
          const newest = Math.max(...agent.acked.map((a) => a.seq));
          for (const { seq } of agent.acked) if (seq > newest - 20 && !stored.has(seq)) lost.push(`${id}:${seq}`);
        }
        assert.deepEqual(lost, [], 'acknowledged reports are missing after the restart');
      } finally {
        await fleet.stop();
      }
    });

    it('during an OIDC key rotation: one or two keys published, each usable, and rotation works again', async () => {
      const before = ((await (await fetch(`${collector.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys;
      const rotations = Array.from({ length: 4 }, () => api('POST', '/admin/v1/oidc/rotate-keys', { immediate: true }).catch(() => null));
      await sleep(5);
      await killAndRestart();
      await Promise.all(rotations);
      const jwks = (await (await fetch(`${collector.url}/oidc/jwks`)).json()) as { keys: { kid: string; kty: string; n?: string }[] };
      assert.ok(jwks.keys.length >= 1, 'no signing key published after the restart');
      for (const key of jwks.keys) assert.ok(key.kid && key.kty === 'RSA' && key.n, JSON.stringify(key));
      const listed = await api('GET', '/admin/v1/oidc/keys');
      assert.equal(listed.status, 200);
      const rotated = await api('POST', '/admin/v1/oidc/rotate-keys', { immediate: true, withdrawPrevious: true });
      assert.ok(rotated.status < 300, JSON.stringify(rotated.body));
      const after = ((await (await fetch(`${collector.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys;
      assert.equal(after.length, 1, JSON.stringify(after));
      assert.ok(!before.some((k) => k.kid === after[0]!.kid), 'the rotation after the restart published an old key');
    });
  });
}
