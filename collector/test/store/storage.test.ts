import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { openTestStore } from '../support/test-store.js';
import { describeUnless } from '../../../test/support/skip.js';
import { Store } from '@devtrust/collector/store/store';
import { DATABASES } from '../../../test/support/postgres.js';

// The same repository tests run against SQLite and PostgreSQL (STYLE: storage is portable).
for (const db of DATABASES) {
  describeUnless(db.skip)(`storage on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'store'));
    });
    afterAll(async () => {
      await close();
    });

    it('migrates twice without harm (several collectors start at once)', async () => {
      const again = await Store.open(
        db.name === 'postgres'
          ? {
              databaseUrl: (store.knex.client.config as { connection: { connectionString: string } }).connection.connectionString,
              dataDir: tmpdir(),
            }
          : {
              databaseUrl: null,
              dataDir: path.dirname((store.knex.client.config as { connection: { filename: string } }).connection.filename),
            },
      );
      await again.close();
    });

    it('commits an inventory generation atomically and discards a failed one', async () => {
      const id = store.integrations.newId();
      await store.integrations.create(id, {
        kind: 'csv',
        category: 'mdm',
        name: 'inv',
        platforms: ['windows'],
        config: {},
        sealedSecrets: {},
        schedule: null,
        nextSyncAt: null,
      });
      await store.inventory.insertPage(id, 'gen1', 0, [{ serialNumber: 'AAA', macAddresses: ['3C22FB123456'] }, { serialNumber: 'BBB' }]);
      assert.equal((await store.inventory.findByIdentifier('serialNumber', 'AAA')).length, 0, 'a staged generation is invisible');
      await store.inventory.commitGeneration(id, 'gen1', Date.now());
      assert.equal((await store.inventory.findByIdentifier('serialNumber', 'AAA')).length, 1);
      assert.equal((await store.inventory.findByIdentifier('macAddress', '3C22FB123456')).length, 1);
      await store.inventory.insertPage(id, 'gen2', 0, [{ serialNumber: 'CCC' }]);
      await store.inventory.discardGeneration(id, 'gen2');
      assert.equal(await store.inventory.count(id), 2);
      await store.inventory.insertPage(id, 'gen3', 0, [{ serialNumber: 'AAA' }, { serialNumber: 'AAA' }]);
      await store.inventory.commitGeneration(id, 'gen3', Date.now());
      assert.equal(await store.inventory.count(id), 2);
      assert.equal(
        (await store.inventory.findByIdentifier('serialNumber', 'BBB')).length,
        0,
        'a committed sync removes what the vendor no longer lists',
      );
      assert.deepEqual((await store.inventory.currentFindings()).get(id)?.duplicates, {
        count: 1,
        first: [{ kind: 'serialNumber', value: 'AAA', count: 2 }],
      });
    });

    it('gives a sync lease to one holder at a time and lets an expired one be taken over', async () => {
      const id = store.integrations.newId();
      await store.integrations.create(id, {
        kind: 'csv',
        category: 'mdm',
        name: 'lease',
        platforms: ['windows'],
        config: {},
        sealedSecrets: {},
        schedule: null,
        nextSyncAt: null,
      });
      const now = Date.now();
      assert.equal(await store.integrations.acquireLease(id, 'node-a', now + 1000, now), true);
      assert.equal(await store.integrations.acquireLease(id, 'node-b', now + 1000, now), false);
      assert.equal(await store.integrations.acquireLease(id, 'node-b', now + 5000, now + 2000), true);
      assert.equal(await store.integrations.renewLease(id, 'node-a', now + 9000), false);
    });

    it('stores a report only with a newer sequence, keeping a bounded history', async () => {
      const endpoint = await store.endpoints.enroll('A'.repeat(43));
      const report = (seq: number) => ({
        agentVersion: 't',
        collectedAt: String(seq),
        identity: { platform: 'linux' as const, serialNumber: `S${seq}` },
      });
      for (let seq = 1; seq <= 25; seq++) assert.equal(await store.endpoints.recordReport(endpoint.id, seq, report(seq), seq), true);
      assert.equal(await store.endpoints.recordReport(endpoint.id, 25, report(99), 99), false);
      assert.equal(await store.endpoints.recordReport(endpoint.id, 3, report(99), 99), false);
      const history = await store.endpoints.history(endpoint.id);
      assert.equal(history.length, 20);
      assert.equal(history[0]?.seq, 25);
      assert.equal((await store.endpoints.get(endpoint.id))?.identifiers.serialNumber, 'S25');
    });

    it('a released endpoint is never unblocked, not even by an unblock checked just before the release committed', async () => {
      const report = { agentVersion: 't', collectedAt: '1', identity: { platform: 'linux' as const, serialNumber: 'RELEASE-RACE-1' } };
      const holder = await store.endpoints.enroll('J'.repeat(43));
      assert.equal(await store.endpoints.recordReport(holder.id, 1, report, 1), true);
      // A second key claiming the holder's serial waits for approval.
      const claimant = await store.endpoints.enroll('K'.repeat(43));
      assert.equal(await store.endpoints.recordReport(claimant.id, 1, report, 2), true);
      assert.equal((await store.endpoints.get(claimant.id))?.approval, 'pending');
      assert.notEqual(await store.endpoints.release(claimant.id, Date.now()), null);
      // The unblock an admin sent at the same moment, past the service's released check.
      assert.equal(await store.endpoints.setBlocked(claimant.id, false), false);
      const after = await store.endpoints.get(claimant.id);
      assert.deepEqual([after?.blocked, after?.approval], [true, 'denied']);
      const bound = await store.knex('identifier_bindings').where({ endpoint_id: claimant.id });
      assert.deepEqual(bound, [], 'the retired key must not hold the serial again');
    });

    it('stores a batch of reports in one transaction, refusing the replays in it', async () => {
      const a = await store.endpoints.enroll('B'.repeat(43));
      const b = await store.endpoints.enroll('C'.repeat(43));
      const report = (serial: string) => ({
        agentVersion: 't',
        collectedAt: 'now',
        identity: { platform: 'linux' as const, serialNumber: serial },
      });
      const stored = await store.endpoints.recordReports([
        { endpointId: a.id, seq: 1, report: report('A1'), at: 1 },
        { endpointId: b.id, seq: 1, report: report('B1'), at: 1 },
        { endpointId: a.id, seq: 2, report: report('A2'), at: 2 },
        { endpointId: a.id, seq: 2, report: report('A2-replayed'), at: 3 },
        { endpointId: 'ep_unknown', seq: 1, report: report('X'), at: 3 },
      ]);
      assert.deepEqual(stored, [true, true, true, false, false]);
      assert.equal((await store.endpoints.get(a.id))?.identifiers.serialNumber, 'A2');
      assert.deepEqual(
        (await store.endpoints.history(a.id)).map((h) => h.seq),
        [2, 1],
      );
      assert.equal((await store.endpoints.history(b.id)).length, 1);
    });

    it('decides a transaction exactly once', async () => {
      const app = await store.applications.create({
        name: 'a',
        clientId: `c${Date.now()}`,
        secretHash: 'h',
        secretSealed: 's',
        redirectUris: [],
        policy: {},
        reasonDetail: 'summary',
      });
      const tx = await store.transactions.create(app.id, 'u', 60_000);
      const verdict = { verdict: 'trusted' as const, access: 'allow' as const, reasons: ['r'] };
      const results = await Promise.all([
        store.transactions.decide(tx.id, null, verdict, Date.now()),
        store.transactions.decide(tx.id, null, verdict, Date.now()),
      ]);
      assert.deepEqual(results.sort(), [false, true]);
      const expired = await store.transactions.create(app.id, 'u', -1);
      assert.equal(await store.transactions.decide(expired.id, null, verdict, Date.now()), false);
      assert.equal((await store.transactions.get(expired.id))?.state, 'expired');
    });
  });
}
