import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { AdminActor } from '../../collector/src/domain/admin-log.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';

/**
 * An admin action on an endpoint (block, unblock, approve, deny, release) changes it, then reads
 * it again to answer. A forget (DELETE) of the same endpoint can land between the two: the
 * change was made, the endpoint is gone, and the answer is a 404 saying it was forgotten
 * meanwhile, not a 500. The forget is made to land there deterministically: the service's
 * change is wrapped so that the endpoint is forgotten as soon as the change is done.
 */
const SYSTEM: AdminActor = { kind: 'system', keyId: null, keyName: null, address: null, userAgent: null };

type Change = 'setBlocked' | 'approve' | 'deny' | 'release';

for (const database of DATABASES) {
  describeUnless(database.skip)(`an endpoint forgotten between an action and its answer (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const channels: RawChannel[] = [];

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
    });
    afterAll(async () => {
      for (const ch of channels) ch.close();
      await c?.close();
    });

    /** Enrolls an endpoint reporting this serial (null: none); returns its id. */
    const enroll = async (hostname: string, serial: string | null = hostname): Promise<string> => {
      const ch = await RawChannel.open(c.url);
      channels.push(ch);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      const report = {
        agentVersion: '0.1.0',
        collectedAt: new Date().toISOString(),
        identity: { platform: 'linux' as const, hostname, ...(serial === null ? {} : { serialNumber: serial }) },
      };
      ch.send(ch.signed({ type: 'report', seq: 1, report }, keys));
      assert.equal((await ch.next((m) => m.type === 'ack' || m.type === 'error')).type, 'ack');
      return endpointId;
    };

    /** Runs `request` with the service's `change` forgetting the endpoint once it has made the change. */
    const forgetAfter = async <T>(change: Change, request: () => Promise<T>): Promise<T> => {
      // Replaced for one request and put back: typed loosely, as the five methods' signatures differ.
      const service = c.services.endpoints;
      const methods = service as unknown as Record<Change, (...args: unknown[]) => Promise<unknown>>;
      const original = methods[change];
      methods[change] = async (...args: unknown[]) => {
        const done = await original.apply(service, args);
        assert.ok(await service.forgetAndTell(args[0] as string, SYSTEM), 'forgotten after the change');
        return done;
      };
      try {
        return await request();
      } finally {
        methods[change] = original;
      }
    };

    const assertForgottenMeanwhile = (answer: { status: number; body: any }) => {
      assert.equal(answer.status, 404, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'NOT_FOUND');
      assert.match(answer.body.error.message, /forgotten while this request was being made/);
    };

    it('block and unblock answer 404, the change made', async () => {
      // Holding no identifiers: forgetting a blocked endpoint that holds some is refused (409).
      const blocked = await enroll('BLOCK', null);
      assertForgottenMeanwhile(await forgetAfter('setBlocked', () => c.admin('POST', `/admin/v1/endpoints/${blocked}/block`)));
      const unblocked = await enroll('UNBLOCK', null);
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${unblocked}/block`)).status, 200);
      assertForgottenMeanwhile(await forgetAfter('setBlocked', () => c.admin('DELETE', `/admin/v1/endpoints/${unblocked}/block`)));
    });

    it('approve and deny answer 404, the change made', async () => {
      await enroll('SER-CLAIMED');
      for (const action of ['approve', 'deny'] as const) {
        const pending = await enroll('SER-CLAIMED');
        assert.equal((await c.admin('GET', `/admin/v1/endpoints/${pending}`)).body.approval, 'pending');
        assertForgottenMeanwhile(await forgetAfter(action, () => c.admin('POST', `/admin/v1/endpoints/${pending}/${action}`)));
      }
    });

    it('release answers 404, the change made', async () => {
      const released = await enroll('SER-RELEASE');
      assertForgottenMeanwhile(await forgetAfter('release', () => c.admin('POST', `/admin/v1/endpoints/${released}/release`)));
      assert.equal((await c.admin('GET', `/admin/v1/endpoints/${released}`)).status, 404);
    });
  });
}
