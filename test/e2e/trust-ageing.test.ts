import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import { encodeP256PublicKey, signPayloadP256 } from '@devtrust/shared/crypto';
import { signedPayloadOf, type UnsignedAgentMessage } from '@devtrust/shared/protocol';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';

/**
 * Trust that ages, and the key kind an agent claims. A raw channel stands in for an agent
 * that attests without reporting first (the real agent always reports before it attests, so
 * only a tampered or broken one meets the age limit at sign-in). The endpoint's last report is
 * moved back in the database: that is what four days of silence leave behind.
 */
const DAY = 24 * 3_600_000;
const report = (serialNumber: string) => ({
  agentVersion: '0.1.0',
  collectedAt: new Date().toISOString(),
  identity: { platform: 'windows' as const, hostname: serialNumber.toLowerCase(), serialNumber },
});

/** A P-256 key as a Secure Enclave or TPM helper holds it, here in software: what the collector sees is the same. */
function p256Agent(): { privateKey: KeyObject; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey: encodeP256PublicKey(publicKey) };
}
function signedP256(ch: RawChannel, message: UnsignedAgentMessage, privateKey: KeyObject): Record<string, unknown> {
  const signature = signPayloadP256(privateKey, signedPayloadOf(message, { nonce: ch.nonce, endpointId: ch.endpointId }));
  return { ...message, signature };
}

for (const database of DATABASES) {
  describeUnless(database.skip)(`trust ages and key kinds (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const channels: RawChannel[] = [];
    let strict: TestApp;
    let patient: TestApp;
    let hardwareOnly: TestApp;

    const open = async (): Promise<RawChannel> => {
      const ch = await RawChannel.open(c.url);
      channels.push(ch);
      return ch;
    };
    const attest = async (ch: RawChannel, app: TestApp, sign: (m: UnsignedAgentMessage) => Record<string, unknown>): Promise<any> => {
      const tx = await app.open('alice@example.com');
      ch.send(sign({ type: 'attest', transactionId: tx }));
      return ch.next((m) => m.type === 'verdict' && m.transactionId === tx);
    };

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      await csvInventory(c, 'serial_number,device_name,platform\nAGE-1,age-1,windows\nHW-1,hw-1,windows\nSW-1,sw-1,windows\n', {
        platforms: ['windows'],
      });
      strict = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Strict');
      patient = await createTestApp(c, { trustedEndpoints: 'require-trusted', maxReportAgeHours: 0 }, 'No age limit');
      hardwareOnly = await createTestApp(c, { trustedEndpoints: 'require-trusted', requireHardwareKey: true }, 'Hardware keys only');
    });
    afterAll(async () => {
      for (const ch of channels) ch.close();
      await c?.close();
    });

    it('an endpoint silent for longer than maxReportAgeHours is not trusted, with "not seen since"; an application can lift the limit', async () => {
      const ch = await open();
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      ch.send(ch.signed({ type: 'report', seq: 1, report: report('AGE-1') }, keys));
      await ch.next((m) => m.type === 'ack');
      const fresh = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
      assert.equal(fresh.trusted, true, JSON.stringify(fresh.matchReasons));
      assert.ok(fresh.matchReasons.includes('rule maxReportAgeHours=72: last report under a minute ago (pass)'), fresh.matchReasons);

      const lastSeen = Date.now() - 4 * DAY;
      await c.store.knex('endpoints').where({ id: endpointId }).update({ last_seen_at: lastSeen });
      const silent = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
      assert.equal(silent.trusted, false);
      assert.equal(
        silent.matchReasons[0],
        `untrusted: not seen since ${new Date(lastSeen).toISOString()} (4 d ago); the policy trusts a device for 72 h after its last report`,
      );
      assert.equal(silent.matched?.recordId !== undefined, true, 'the record it matched is still shown');

      const denied = await attest(ch, strict, (m) => ch.signed(m, keys));
      assert.equal(denied.verdict, 'untrusted');
      assert.equal(denied.access, 'deny');
      assert.match(denied.reasons.join('\n'), /not seen since .* \(4 d ago\)/);
      assert.match(denied.reasons.join('\n'), /rule maxReportAgeHours=72: last report 4 d ago \(fail\)/);

      const lifted = await attest(ch, patient, (m) => ch.signed(m, keys));
      assert.equal(lifted.verdict, 'trusted', JSON.stringify(lifted.reasons));
      assert.ok(lifted.reasons.includes('rule maxReportAgeHours=0: no limit (last report 4 d ago)'));

      // The global limit raised: trusted again everywhere that inherits it.
      assert.equal((await c.admin('PUT', '/admin/v1/policy', { maxReportAgeHours: 200 })).status, 200);
      assert.equal((await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.trusted, true);
      assert.equal((await c.admin('PUT', '/admin/v1/policy', { maxReportAgeHours: 72 })).status, 200);

      // A fresh report restores trust under the default limit.
      ch.send(ch.signed({ type: 'report', seq: 2, report: report('AGE-1') }, keys));
      await ch.next((m) => m.type === 'ack');
      assert.equal((await attest(ch, strict, (m) => ch.signed(m, keys))).verdict, 'trusted');
    });

    it('refuses an age limit that is not a whole number of hours from 0 to 8760', async () => {
      for (const bad of [-1, 1.5, 8761, '24', null]) {
        const put = await c.admin('PUT', '/admin/v1/policy', { maxReportAgeHours: bad });
        assert.equal(put.status, 400, `${JSON.stringify(bad)}: ${JSON.stringify(put.body)}`);
        assert.equal(put.body.error.field, 'maxReportAgeHours');
      }
      const app = await c.admin('PATCH', `/admin/v1/applications/${strict.id}`, { policy: { requireHardwareKey: 'yes' } });
      assert.equal(app.status, 400);
      assert.equal((await c.admin('GET', '/admin/v1/policy')).body.maxReportAgeHours, 72);
    });

    it('an agent that enrolls with a P-256 key claiming a TPM is stored as such, and requireHardwareKey trusts it but not a software key', async () => {
      const hw = await open();
      const key = p256Agent();
      hw.send(
        signedP256(hw, { type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: key.publicKey, keyKind: 'tpm' }, key.privateKey),
      );
      hw.endpointId = (await hw.next((m) => m.type === 'enrolled')).endpointId;
      await hw.next((m) => m.type === 'authenticated');
      hw.send(signedP256(hw, { type: 'report', seq: 1, report: report('HW-1') }, key.privateKey));
      await hw.next((m) => m.type === 'ack');
      const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${hw.endpointId}`)).body;
      assert.equal(endpoint.keyKind, 'tpm');
      assert.equal(endpoint.publicKey, undefined, 'the public key is not shown');
      const trusted = await attest(hw, hardwareOnly, (m) => signedP256(hw, m, key.privateKey));
      assert.equal(trusted.verdict, 'trusted', JSON.stringify(trusted.reasons));
      assert.ok(trusted.reasons.includes('rule requireHardwareKey=on: the agent reports a TPM key, not attested (pass)'));

      // The same key signs in again on a new session (auth with a P-256 signature).
      const again = await open();
      again.endpointId = hw.endpointId;
      again.send(signedP256(again, { type: 'auth', v: 1, endpointId: hw.endpointId }, key.privateKey));
      assert.equal((await again.next((m) => m.type === 'authenticated')).endpointId, hw.endpointId);

      const sw = await open();
      const { keys, endpointId } = await sw.enroll(ENROLLMENT_KEY);
      sw.send(sw.signed({ type: 'report', seq: 1, report: report('SW-1') }, keys));
      await sw.next((m) => m.type === 'ack');
      assert.equal((await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.keyKind, 'software');
      const refused = await attest(sw, hardwareOnly, (m) => sw.signed(m, keys));
      assert.equal(refused.access, 'deny');
      assert.match(
        refused.reasons.join('\n'),
        /untrusted: the policy requires a hardware-backed device key and this agent enrolled with a software key/,
      );
      assert.equal((await attest(sw, strict, (m) => sw.signed(m, keys))).verdict, 'trusted');
    });

    it('refuses a hardware key kind on an Ed25519 key, and a P-256 enrollment signed by another key', async () => {
      const liar = await open();
      const ed = (await import('@devtrust/shared/crypto')).generateDeviceKey();
      liar.send(
        liar.signed({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: ed.publicKey, keyKind: 'secure-enclave' }, ed),
      );
      const error = await liar.next((m) => m.type === 'error');
      assert.equal(error.code, 'INVALID_MESSAGE');
      assert.match(error.message, /keyKind: a Secure Enclave or TPM key is a P-256 key/);
      assert.equal((await liar.closed).code, 4400);

      const forger = await open();
      const claimed = p256Agent();
      const other = p256Agent();
      forger.send(
        signedP256(
          forger,
          { type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: claimed.publicKey, keyKind: 'tpm' },
          other.privateKey,
        ),
      );
      assert.equal((await forger.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
      assert.equal((await forger.closed).code, 4401);
    });
  });
}
