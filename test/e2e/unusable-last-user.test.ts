import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';

/**
 * An agent's `user` is display text of at most 256 characters, but a username is held to 256
 * once lower-cased: "İ" lower-cases to two characters, so 129 of them fit the report and not a
 * username. Such a user is stored as none (the report is kept), and an endpoint whose stored
 * last_user is one anyway (written before) reads as having no known user: the listing and the
 * endpoint's page answer, never a 400 for every admin.
 */
const UNUSABLE_USER = 'İ'.repeat(129);

for (const database of DATABASES) {
  describeUnless(database.skip)(`a reported user that cannot be a username (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const logged: string[] = [];

    beforeAll(async () => {
      c = await collectorOn(database.name, {
        scheduler: false,
        log: pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }),
      });
    });
    afterAll(async () => {
      await c?.close();
    });

    const report = (user: string, hostname: string) => ({
      agentVersion: '0.1.0',
      collectedAt: new Date().toISOString(),
      identity: { platform: 'windows' as const, hostname, serialNumber: `SER-${hostname}` },
      user,
    });
    const listingAndPageAnswer = async (endpointId: string): Promise<Record<string, unknown>> => {
      const listing = await c.admin('GET', '/admin/v1/endpoints');
      assert.equal(listing.status, 200, JSON.stringify(listing.body));
      assert.ok((listing.body.endpoints as { id: string }[]).some((e) => e.id === endpointId));
      const page = await c.admin('GET', `/admin/v1/endpoints/${endpointId}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      return page.body as Record<string, unknown>;
    };

    it('is acked and stored as no user; the listing and the page answer', async () => {
      const ch = await RawChannel.open(c.url);
      try {
        const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
        ch.send(ch.signed({ type: 'report', seq: 1, report: report('alice', 'REPORTED') }, keys));
        assert.equal((await ch.next((m) => m.type === 'ack' || m.type === 'error')).seq, 1);
        ch.send(ch.signed({ type: 'report', seq: 2, report: report(UNUSABLE_USER, 'REPORTED') }, keys));
        const answer = await ch.next((m) => m.type === 'ack' || m.type === 'error');
        assert.deepEqual(answer, { type: 'ack', seq: 2 });
        const page = await listingAndPageAnswer(endpointId);
        // Not alice any more (she is not who reported last), and not the name that cannot be one.
        assert.equal(page.lastUser, null);
        assert.equal(page.hostname, 'REPORTED');
        // The session is still good: a usual user is stored again.
        ch.send(ch.signed({ type: 'report', seq: 3, report: report('bob', 'REPORTED') }, keys));
        assert.equal((await ch.next((m) => m.type === 'ack')).seq, 3);
        assert.equal((await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.lastUser, 'bob');
      } finally {
        ch.close();
      }
    });

    it('is logged once a session, not once a report', async () => {
      const warnings = (): number => logged.filter((line) => line.includes('stored as no user')).length;
      const before = warnings();
      const ch = await RawChannel.open(c.url);
      try {
        const { keys } = await ch.enroll(ENROLLMENT_KEY);
        for (const seq of [1, 2, 3]) {
          ch.send(ch.signed({ type: 'report', seq, report: report(UNUSABLE_USER, 'REPEATED') }, keys));
          assert.deepEqual(await ch.next((m) => m.type === 'ack' || m.type === 'error'), { type: 'ack', seq });
        }
        assert.equal(warnings(), before + 1);
        const line = JSON.parse(logged.filter((l) => l.includes('stored as no user')).at(-1) as string) as Record<string, unknown>;
        assert.equal(line.seq, 1);
      } finally {
        ch.close();
      }
    });

    it('stored before (a legacy row) reads as no known user, in the listing and on the page', async () => {
      const ch = await RawChannel.open(c.url);
      try {
        const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
        ch.send(ch.signed({ type: 'report', seq: 1, report: report('carol', 'LEGACY') }, keys));
        assert.equal((await ch.next((m) => m.type === 'ack')).seq, 1);
        await c.store.knex('endpoints').where({ id: endpointId }).update({ last_user: UNUSABLE_USER });
        const page = await listingAndPageAnswer(endpointId);
        assert.equal(page.lastUser, UNUSABLE_USER);
      } finally {
        ch.close();
      }
    });
  });
}
