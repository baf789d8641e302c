import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import type { Knex } from 'knex';
import type { DecisionToStore } from '@devtrust/collector/domain/transaction';
import { AuthLogRepo } from '@devtrust/collector/store/repos/auth-log';
import { EndpointsRepo } from '@devtrust/collector/store/repos/endpoints';
import { TransactionsRepo } from '@devtrust/collector/store/repos/transactions';
import { statementsOf } from '@devtrust/collector/store/dialect';
import type { IdentifierKind, SingleIdentifierKind } from '@devtrust/collector/domain/identifiers';
import type { Verdict } from '@devtrust/collector/domain/verdict';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { createCsvIntegration, openTestStore, createTestApplication } from '../support/test-store.js';

/**
 * The reads and writes of an attestation, as the fast path does them (records of every
 * identifier in one statement, the reporting counts with the endpoint, the user with the
 * transaction, the decision in one statement on PostgreSQL), against the statement-per-item
 * path they replace: the same answers and the same stored rows.
 */
/**
 * The reference: a decision's writes one statement each, through the repositories, as they
 * were made before the decision became one statement (PostgreSQL) or three prepared ones
 * (SQLite). Inside the caller's transaction.
 */
async function recordStepwise(trx: Knex.Transaction, decision: DecisionToStore): Promise<boolean> {
  const { transaction: tx, endpointId, verdict, at } = decision;
  if (!(await new TransactionsRepo(trx).decide(tx.id, endpointId, verdict, at))) return false;
  await new AuthLogRepo(trx).append({
    at,
    transactionId: tx.id,
    applicationId: tx.applicationId,
    applicationName: decision.applicationName,
    username: tx.username,
    endpointId,
    outcome: endpointId !== null ? 'attested' : 'abandoned',
    ...verdict,
  });
  if (endpointId !== null) await new EndpointsRepo(trx).setLastVerdict(endpointId, tx.username, { ...verdict, at, transactionId: tx.id });
  return true;
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`the attestation's statements give what the one-by-one statements give (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const integrations: string[] = [];

    const integration = (name: string): Promise<string> => createCsvIntegration(store, name, ['macos', 'windows']);

    async function endpoint(id: string, columns: Record<string, unknown>): Promise<void> {
      await store.knex('endpoints').insert({
        id,
        public_key: `key-${id}`,
        enrolled_at: 1,
        last_seen_at: 1,
        last_seq: 0,
        blocked: false,
        key_kind: 'software',
        ...columns,
      });
    }

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'decision-path'));
      integrations.push(await integration('first'), await integration('second'), await integration('not asked'));
      const [first, second, third] = integrations as [string, string, string];
      // An old generation that a later one replaced: its records must never be found.
      await store.inventory.insertPage(first, 'old', 0, [{ serialNumber: 'SN-STALE', hardwareUuid: 'HW-STALE' }]);
      await store.inventory.commitGeneration(first, 'old', 1);
      await store.inventory.insertPage(first, 'g1', 0, [
        { serialNumber: 'SN-1', hardwareUuid: 'HW-1', deviceName: 'one', macAddresses: ['02AA00000001', '02AA00000002'] },
        { serialNumber: 'SN-SHARED', machineGuid: 'MG-1', deviceName: 'shared in first' },
        { serialNumber: 'SN-SHARED', deviceName: 'shared twice in first' },
      ]);
      await store.inventory.commitGeneration(first, 'g1', 2);
      await store.inventory.insertPage(second, 'g2', 0, [
        { serialNumber: 'SN-SHARED', hardwareUuid: 'HW-2', deviceName: 'shared in second', macAddresses: ['02AA00000001'] },
      ]);
      await store.inventory.commitGeneration(second, 'g2', 3);
      await store.inventory.insertPage(third, 'g3', 0, [{ serialNumber: 'SN-1', deviceName: 'in an integration not asked' }]);
      await store.inventory.commitGeneration(third, 'g3', 4);

      // The judged endpoint, and others reporting some of its identifiers: counted, blocked, pending approval.
      await endpoint('ep_judged', { serial_number: 'SN-SHARED', hardware_uuid: 'HW-1', machine_guid: 'MG-1' });
      await endpoint('ep_clone', { serial_number: 'SN-SHARED', hardware_uuid: 'HW-1' });
      await endpoint('ep_blocked', { serial_number: 'SN-SHARED', blocked: true });
      await endpoint('ep_pending', { serial_number: 'SN-SHARED', machine_guid: 'MG-1', approval: 'pending' });
      await endpoint('ep_approved', { machine_guid: 'MG-1', approval: 'approved' });
      await endpoint('ep_alone', {});
    });
    afterAll(async () => close?.());

    it('finds the records of every identifier in one statement, as one lookup per identifier finds them', async () => {
      const wanted: { kind: IdentifierKind; value: string }[] = [
        { kind: 'hardwareUuid', value: 'HW-1' },
        { kind: 'serialNumber', value: 'SN-SHARED' },
        { kind: 'serialNumber', value: 'SN-STALE' },
        { kind: 'machineGuid', value: 'MG-1' },
        { kind: 'macAddress', value: '02AA00000001' },
        { kind: 'macAddress', value: '02AA00000002' },
        { kind: 'macAddress', value: '02AAFFFFFFFF' },
        { kind: 'serialNumber', value: 'SN-1' },
      ];
      const asked = integrations.slice(0, 2);
      const statements: string[] = [];
      const count = (q: { sql: string }): void => void statements.push(q.sql);
      store.knex.on('query', count);
      const united = await store.inventory.findByIdentifiers(wanted, asked);
      store.knex.off('query', count);
      assert.equal(statements.length, 1, statements.join('\n'));
      const byId = (records: { id: string }[]): string[] => records.map((r) => r.id).sort();
      for (const [i, { kind, value }] of wanted.entries()) {
        const alone = await store.inventory.findByIdentifier(kind, value, asked);
        assert.deepEqual(byId(united[i] ?? []), byId(alone), `${kind} ${value}`);
        assert.deepEqual(
          [...(united[i] ?? [])].sort((a, b) => a.id.localeCompare(b.id)),
          [...alone].sort((a, b) => a.id.localeCompare(b.id)),
        );
      }
      // What the data says, so the comparison above cannot pass on two empty answers.
      assert.deepEqual(
        united.map((records) => records.length),
        [1, 3, 0, 1, 2, 1, 0, 1],
      );
      assert.deepEqual(await store.inventory.findByIdentifiers(wanted.slice(0, 2), []), [[], []]);
      // Later calls of the same shape run the statement compiled by the first: the same answers.
      assert.deepEqual(await store.inventory.findByIdentifiers(wanted, asked), united);
      const other = wanted.map(({ kind }) => ({ kind, value: kind === 'serialNumber' ? 'SN-1' : 'NONE' }));
      const again = await store.inventory.findByIdentifiers(other, asked);
      for (const [i, { kind, value }] of other.entries()) {
        assert.deepEqual(byId(again[i] ?? []), byId(await store.inventory.findByIdentifier(kind, value, asked)), `${kind} ${value}`);
      }
      assert.deepEqual(
        again.map((records) => records.length),
        [0, 1, 1, 0, 0, 0, 0, 1],
      );
    });

    it('counts the endpoints reporting each identifier with the endpoint, as countReporting counts them', async () => {
      for (const id of ['ep_judged', 'ep_clone', 'ep_pending', 'ep_alone']) {
        const read = await store.endpoints.withReporting(id);
        assert.ok(read);
        assert.deepEqual(read.endpoint, await store.endpoints.get(id));
        for (const kind of ['hardwareUuid', 'serialNumber', 'machineGuid'] as SingleIdentifierKind[]) {
          const value: string | undefined = read.endpoint.identifiers[kind];
          if (value === undefined) continue;
          assert.equal(read.reporting[kind], await store.endpoints.countReporting(kind, value, id), `${id} ${kind}`);
        }
      }
      const judged = await store.endpoints.withReporting('ep_judged');
      // Itself and the clone; blocked and pending endpoints are not counted, an approved one is.
      assert.deepEqual(judged?.reporting, { hardwareUuid: 2, serialNumber: 2, machineGuid: 2 });
      assert.equal(await store.endpoints.withReporting('ep_nobody'), null);
    });

    it('reads the transaction with its user in one statement, as the two reads give them', async () => {
      const app = await createTestApplication(store, 'reads');
      await store.users.put('Grouped@Example.com', ['pilot', 'admins']);
      for (const username of ['grouped@example.com', 'stranger@example.com']) {
        const tx = await store.openTransaction(app.id, username, 60_000);
        const read = await store.transactions.withUser(tx.id);
        assert.deepEqual(read?.transaction, await store.transactions.get(tx.id));
        assert.deepEqual(read?.user, await store.users.get(username));
      }
      const expired = await store.openTransaction(app.id, 'grouped@example.com', -1);
      assert.equal((await store.transactions.withUser(expired.id))?.transaction.state, 'expired');
      assert.equal(await store.transactions.withUser('tx_nothing'), null);
    });

    it('opens a transaction with the row the query builder stored', async () => {
      const app = await createTestApplication(store, 'openings');
      const opened = await store.openTransaction(app.id, 'opener@example.com', 60_000);
      const stored = await store.knex('transactions').where({ id: opened.id }).first();
      const built = { ...stored, id: `tx_built_${db.name}` };
      await store.knex('transactions').insert({
        id: built.id,
        application_id: opened.applicationId,
        username: opened.username,
        created_at: opened.createdAt,
        expires_at: opened.expiresAt,
        state: 'pending',
      });
      assert.deepEqual(await store.knex('transactions').where({ id: built.id }).first(), built);
      assert.equal(stored.state, 'pending');
      assert.equal(stored.expires_at - stored.created_at, 60_000);
      assert.deepEqual(await store.transactions.get(opened.id), opened);
    });

    it('stores a decision as the three writes did, once only, and nothing for a decided or expired transaction', async () => {
      const app = await createTestApplication(store, 'decisions');
      const verdict: Verdict = {
        verdict: 'trusted',
        access: 'allow',
        reasons: ['allowed: trusted device', 'a "quoted" reason'],
        assurance: 'identifiers',
      };
      const untrusted: Verdict = { verdict: 'untrusted', access: 'deny', reasons: [], assurance: null };
      const rows = async (txId: string) => ({
        transaction: await store.knex('transactions').where({ id: txId }).first(),
        log: await store.knex('auth_log').where({ transaction_id: txId }).select('*'),
      });
      const without = <T extends Record<string, unknown>>(row: T, ...keys: string[]): Record<string, unknown> =>
        Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));
      for (const [endpointId, v] of [
        ['ep_alone', verdict],
        [null, untrusted],
      ] as const) {
        const at = Date.now();
        const fast = await store.openTransaction(app.id, 'someone@example.com', 60_000);
        const stepwise = await store.openTransaction(app.id, 'someone@example.com', 60_000);
        const decision = (tx: { id: string; applicationId: string; username: string }) => ({
          transaction: tx,
          endpointId,
          applicationName: app.name,
          verdict: v,
          at,
        });
        // Every statement that succeeded, whether knex ran it or the driver did (driver-statements.ts),
        // except the change feed's notifications (PostgreSQL): an earlier change (the application
        // created above) is announced to other collectors whenever its turn comes, maybe now.
        const statements: string[] = [];
        const count = (q: { sql: string }): void => {
          const words = q.sql.trim().split(/\s+/).slice(0, 3).join(' ').toLowerCase();
          if (!words.startsWith('select pg_notify(')) statements.push(words);
        };
        statementsOf(store.knex.client).on('done', count);
        assert.equal(await store.recordDecision(decision(fast)), true);
        statementsOf(store.knex.client).off('done', count);
        // PostgreSQL: one statement, committing by itself. SQLite: the three, in one transaction, no savepoint.
        if (db.name === 'postgres') assert.equal(statements.length, 1, statements.join('\n'));
        else {
          const writes = ['update transactions set', 'insert into auth_log', ...(endpointId ? ['update endpoints set'] : [])];
          assert.deepEqual(statements, ['begin;', ...writes, 'commit;']);
        }
        const fastEndpoint = endpointId ? await store.endpoints.get(endpointId) : null;
        assert.equal(await store.knex.transaction((trx) => recordStepwise(trx, decision(stepwise))), true);
        const stepwiseEndpoint = endpointId ? await store.endpoints.get(endpointId) : null;
        const [a, b] = [await rows(fast.id), await rows(stepwise.id)];
        assert.deepEqual(
          without(a.transaction, 'id', 'created_at', 'expires_at'),
          without(b.transaction, 'id', 'created_at', 'expires_at'),
        );
        assert.equal(a.log.length, 1);
        assert.deepEqual(
          a.log.map((r: Record<string, unknown>) => without(r, 'id', 'transaction_id')),
          b.log.map((r: Record<string, unknown>) => without(r, 'id', 'transaction_id')),
        );
        assert.equal(a.log[0].outcome, endpointId ? 'attested' : 'abandoned');
        assert.equal(a.transaction.state, 'decided');
        if (endpointId) {
          assert.deepEqual(fastEndpoint?.lastVerdict, { ...v, at, transactionId: fast.id });
          assert.deepEqual(stepwiseEndpoint?.lastVerdict, { ...v, at, transactionId: stepwise.id });
          assert.equal(fastEndpoint?.lastUser, 'someone@example.com');
        }
        // Decided once: a second decision (a replay, another collector) stores nothing.
        const before = await store.endpoints.get('ep_alone');
        assert.equal(await store.recordDecision({ ...decision(fast), verdict: untrusted, endpointId: 'ep_alone' }), false);
        assert.deepEqual(await rows(fast.id), a);
        assert.deepEqual(await store.endpoints.get('ep_alone'), before);
      }
      // Several collectors (or replays) deciding one transaction at the same moment: one wins.
      const raced = await store.openTransaction(app.id, 'raced@example.com', 60_000);
      const outcomes = await Promise.all(
        [verdict, untrusted, verdict, untrusted, verdict].map((v) =>
          store.recordDecision({ transaction: raced, endpointId: 'ep_alone', applicationName: app.name, verdict: v, at: Date.now() }),
        ),
      );
      assert.equal(outcomes.filter(Boolean).length, 1);
      assert.equal((await rows(raced.id)).log.length, 1);
      const expired = await store.openTransaction(app.id, 'late@example.com', -1);
      assert.equal(
        await store.recordDecision({ transaction: expired, endpointId: 'ep_alone', applicationName: app.name, verdict, at: Date.now() }),
        false,
      );
      assert.equal((await rows(expired.id)).log.length, 0);
      assert.equal((await rows(expired.id)).transaction.state, 'pending');
    });

    it('inside a store transaction, reports, decisions and openings use its connection (no wait for the one it holds)', async () => {
      const app = await createTestApplication(store, 'inside a transaction');
      const verdict: Verdict = { verdict: 'trusted', access: 'allow', reasons: [], assurance: 'identifiers' };
      const before = (await store.endpoints.get('ep_alone'))?.lastSeq ?? 0;
      const report = {
        agentVersion: '1.0.0',
        collectedAt: '2026-11-30T00:00:00Z',
        identity: { platform: 'macos' as const, hostname: 'alone' },
      };
      const done = await store.transaction(async (tx) => {
        const opened = await tx.openTransaction(app.id, 'inside@example.com', 60_000);
        const stored = await tx.recordReports([{ endpointId: 'ep_alone', seq: before + 1, report, at: Date.now() }]);
        const decided = await tx.recordDecision({
          transaction: opened,
          endpointId: 'ep_alone',
          applicationName: app.name,
          verdict,
          at: Date.now(),
        });
        return { opened, stored, decided };
      });
      assert.deepEqual(done.stored, [true]);
      assert.equal(done.decided, true);
      assert.equal((await store.transactions.get(done.opened.id))?.state, 'decided');
      assert.equal((await store.endpoints.get('ep_alone'))?.lastSeq, before + 1);
    });

    it('stores reports, decisions and openings waiting together in one commit (SQLite; PostgreSQL runs them apart)', async () => {
      const app = await createTestApplication(store, 'one commit');
      const verdict: Verdict = { verdict: 'trusted', access: 'allow', reasons: ['allowed: trusted device'], assurance: 'identifiers' };
      const pending = await store.openTransaction(app.id, 'together@example.com', 60_000);
      const before = (await store.endpoints.get('ep_alone'))?.lastSeq ?? 0;
      const report = {
        agentVersion: '1.0.0',
        collectedAt: '2026-11-30T00:00:00Z',
        identity: { platform: 'macos' as const, hostname: 'alone', serialNumber: 'SN-ALONE' },
        posture: { firewall: true },
      };
      const statements: string[] = [];
      const count = (q: { sql: string }): void => {
        const words = q.sql.trim().split(/\s+/).slice(0, 2).join(' ').toLowerCase();
        if (!words.startsWith('select pg_notify(')) statements.push(words);
      };
      statementsOf(store.knex.client).on('done', count);
      // The first write takes the writer; the three after it arrive while it works and wait together.
      const first = store.openTransaction(app.id, 'first@example.com', 60_000);
      const together = Promise.all([
        store.recordReports([{ endpointId: 'ep_alone', seq: before + 1, report, at: Date.now() }]),
        store.recordDecision({ transaction: pending, endpointId: 'ep_alone', applicationName: app.name, verdict, at: Date.now() }),
        store.openTransaction(app.id, 'third@example.com', 60_000),
      ]);
      await first;
      const [stored, decided, opened] = await together;
      statementsOf(store.knex.client).off('done', count);
      assert.deepEqual(stored, [true]);
      assert.equal(decided, true);
      assert.equal((await store.transactions.get(opened.id))?.username, 'third@example.com');
      const endpoint = await store.endpoints.get('ep_alone');
      assert.equal(endpoint?.lastSeq, before + 1);
      assert.deepEqual(endpoint?.lastVerdict?.transactionId, pending.id);
      if (db.name === 'sqlite') {
        // The opening alone (no transaction of its own), then one transaction for the three that waited.
        assert.equal(statements[0], 'insert into');
        assert.equal(statements.filter((s) => s === 'begin;').length, 1, statements.join('\n'));
        assert.equal(statements.filter((s) => s === 'commit;').length, 1, statements.join('\n'));
        assert.equal(statements[1], 'begin;');
        assert.equal(statements.at(-1), 'commit;');
      }
    });
  });
}
