import assert from 'node:assert/strict';
import { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { generateDeviceKey, newSessionKeyPair, sessionMacKey, type DeviceKeyPair } from '@devtrust/shared/crypto';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';
import { RawChannel } from '../support/raw-channel.js';

// Reports MAC'd with the session key agreed in the signed auth (shared/crypto/session-mac.ts):
// what the collector accepts, and every way a MAC must fail.

const report = (serialNumber: string) => ({
  agentVersion: 'test',
  collectedAt: new Date().toISOString(),
  identity: { platform: 'linux' as const, serialNumber, hostname: `host-${serialNumber}` },
});

/** Authenticates on a new session, offering a session key; resolves with the agreed MAC key (null when none was answered). */
async function authWithOffer(c: TestCollector, endpointId: string, keys: DeviceKeyPair) {
  const ch = await RawChannel.open(c.url);
  ch.endpointId = endpointId;
  const offer = newSessionKeyPair();
  ch.send(ch.signed({ type: 'auth', v: 1, endpointId, sessionKey: offer.publicKey }, keys));
  const authenticated = await ch.next((m) => m.type === 'authenticated');
  const macKey = authenticated.sessionKey
    ? sessionMacKey(offer.privateKey, authenticated.sessionKey, {
        nonce: ch.nonce,
        endpointId,
        agentKey: offer.publicKey,
        collectorKey: authenticated.sessionKey,
      })
    : null;
  return { ch, macKey, authenticated };
}

describe("agent channel: reports MAC'd with the session key", () => {
  let c: TestCollector;
  let endpointId: string;
  let keys: DeviceKeyPair;
  const stored = async (): Promise<string | undefined> =>
    (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.identity.serialNumber as string | undefined;

  beforeAll(async () => {
    c = await startTestCollector();
    const ch = await RawChannel.open(c.url);
    ({ endpointId, keys } = await ch.enroll(ENROLLMENT_KEY));
    ch.close();
  });
  afterAll(() => c.stop());

  it("answers an offer with its key, and stores a MAC'd report like a signed one", async () => {
    const { ch, macKey, authenticated } = await authWithOffer(c, endpointId, keys);
    assert.match(authenticated.sessionKey, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(macKey);
    const seq = authenticated.lastSeq + 1;
    ch.send(ch.signed({ type: 'report', seq, report: report('SERIAL-SIGNED') }, keys));
    assert.equal((await ch.next((m) => m.type === 'ack')).seq, seq);
    ch.send(ch.macd({ type: 'report', seq: seq + 1, report: report('SERIAL-MACD') }, macKey));
    assert.equal((await ch.next((m) => m.type === 'ack')).seq, seq + 1);
    assert.equal(await stored(), 'SERIAL-MACD');
    const { history } = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body as { history: { seq: number }[] };
    assert.ok(history.some((h) => h.seq === seq) && history.some((h) => h.seq === seq + 1));
    ch.close();
  });

  it('answers no key to an agent that offered none (older agents refuse fields they do not know)', async () => {
    const ch = await RawChannel.open(c.url);
    ch.endpointId = endpointId;
    ch.send(ch.signed({ type: 'auth', v: 1, endpointId }, keys));
    const authenticated = await ch.next((m) => m.type === 'authenticated');
    assert.equal('sessionKey' in authenticated, false);
    // …and a MAC on that session has no key to check against.
    ch.send(ch.macd({ type: 'report', seq: authenticated.lastSeq + 1, report: report('SERIAL-NO-OFFER') }, Buffer.alloc(32, 1)));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await ch.closed).code, 4401);
    assert.notEqual(await stored(), 'SERIAL-NO-OFFER');
  });

  it('refuses a MAC made with another key, and keeps the stored report', async () => {
    const before = await stored();
    const { ch, authenticated } = await authWithOffer(c, endpointId, keys);
    ch.send(ch.macd({ type: 'report', seq: authenticated.lastSeq + 1, report: report('SERIAL-FORGED') }, Buffer.alloc(32, 9)));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await ch.closed).code, 4401);
    assert.equal(await stored(), before);
  });

  it("refuses a MAC'd frame recorded in one session when it is played in another", async () => {
    const first = await authWithOffer(c, endpointId, keys);
    const frame = first.ch.macd(
      { type: 'report', seq: first.authenticated.lastSeq + 1, report: report('SERIAL-RECORDED') },
      first.macKey as Buffer,
    );
    first.ch.close();
    const second = await authWithOffer(c, endpointId, keys);
    second.ch.send(frame);
    assert.equal((await second.ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.notEqual(await stored(), 'SERIAL-RECORDED');
  });

  it("a man in the middle who swaps the collector's answer gets MACs the collector refuses", async () => {
    const ch = await RawChannel.open(c.url);
    ch.endpointId = endpointId;
    const offer = newSessionKeyPair();
    ch.send(ch.signed({ type: 'auth', v: 1, endpointId, sessionKey: offer.publicKey }, keys));
    const authenticated = await ch.next((m) => m.type === 'authenticated');
    const mitm = newSessionKeyPair();
    // The agent believes the middle's key: it shares a key with the middle, who can MAC with it.
    const keyWithMitm = sessionMacKey(mitm.privateKey, offer.publicKey, {
      nonce: ch.nonce,
      endpointId,
      agentKey: offer.publicKey,
      collectorKey: mitm.publicKey,
    });
    ch.send(ch.macd({ type: 'report', seq: authenticated.lastSeq + 1, report: report('SERIAL-MITM') }, keyWithMitm));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.notEqual(await stored(), 'SERIAL-MITM');
  });

  it('refuses a report with both a signature and a MAC, an attestation with a MAC, and a malformed offer (4400)', async () => {
    const both = await authWithOffer(c, endpointId, keys);
    const body = { type: 'report' as const, seq: both.authenticated.lastSeq + 1, report: report('SERIAL-BOTH') };
    both.ch.send({ ...both.ch.signed(body, keys), mac: both.ch.macd(body, both.macKey as Buffer).mac });
    assert.equal((await both.ch.next((m) => m.type === 'error')).code, 'INVALID_MESSAGE');
    assert.equal((await both.ch.closed).code, 4400);

    const attest = await authWithOffer(c, endpointId, keys);
    attest.ch.send(attest.ch.macd({ type: 'attest', transactionId: 'tx_whatever' }, attest.macKey as Buffer));
    assert.equal((await attest.ch.next((m) => m.type === 'error')).code, 'INVALID_MESSAGE');

    const malformed = await RawChannel.open(c.url);
    malformed.endpointId = endpointId;
    malformed.send(malformed.signed({ type: 'auth', v: 1, endpointId, sessionKey: 'not-a-key' }, keys));
    assert.equal((await malformed.next((m) => m.type === 'error')).code, 'INVALID_MESSAGE');
  });

  it('an offer that is a low-order point authenticates, but no MAC can be made to check out with it', async () => {
    const ch = await RawChannel.open(c.url);
    ch.endpointId = endpointId;
    ch.send(ch.signed({ type: 'auth', v: 1, endpointId, sessionKey: Buffer.alloc(32).toString('base64url') }, keys));
    const authenticated = await ch.next((m) => m.type === 'authenticated');
    ch.send(ch.macd({ type: 'report', seq: authenticated.lastSeq + 1, report: report('SERIAL-ZERO') }, Buffer.alloc(32)));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.notEqual(await stored(), 'SERIAL-ZERO');
  });

  it("refuses a MAC'd report whose MAC is the right one spelled another way (the last character's spare bits)", async () => {
    const before = await stored();
    const { ch, macKey, authenticated } = await authWithOffer(c, endpointId, keys);
    const frame = ch.macd({ type: 'report', seq: authenticated.lastSeq + 1, report: report('SERIAL-RESPELLED') }, macKey as Buffer);
    const mac = String(frame.mac);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(mac.at(-1) as string);
    ch.send({ ...frame, mac: mac.slice(0, -1) + alphabet[last ^ 1] });
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await ch.closed).code, 4401);
    assert.equal(await stored(), before);
  });

  it('a second auth on an authenticated session is refused, and its offer does not replace the first', async () => {
    const { ch, macKey, authenticated } = await authWithOffer(c, endpointId, keys);
    ch.send(ch.signed({ type: 'auth', v: 1, endpointId, sessionKey: newSessionKeyPair().publicKey }, keys));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'OUT_OF_ORDER');
    assert.ok((await ch.closed).code >= 4000);
    // The session is gone: its key cannot be used on a new one.
    const next = await authWithOffer(c, endpointId, keys);
    next.ch.send(next.ch.macd({ type: 'report', seq: authenticated.lastSeq + 1, report: report('SERIAL-OLD-KEY') }, macKey as Buffer));
    assert.equal((await next.ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
  });

  it('refuses a report with neither a signature nor a MAC, a MAC of the wrong shape, and a MAC on any other message (4400)', async () => {
    const before = await stored();
    const base64url = (bytes: number) => Buffer.alloc(bytes, 5).toString('base64url');
    const shapes = [
      undefined,
      '',
      base64url(31),
      base64url(33),
      `${base64url(32).slice(0, 42)}=`,
      '!'.repeat(43),
      base64url(32).replace(/.$/, '/'),
    ];
    for (const mac of shapes) {
      const { ch, authenticated } = await authWithOffer(c, endpointId, keys);
      const body = { type: 'report', seq: authenticated.lastSeq + 1, report: report('SERIAL-SHAPE') };
      ch.send(mac === undefined ? body : { ...body, mac });
      assert.equal((await ch.next((m) => m.type === 'error')).code, 'INVALID_MESSAGE', String(mac));
      assert.equal((await ch.closed).code, 4400);
    }
    for (const body of [{ type: 'describe', transactionId: 'tx_whatever' }, { type: 'check' }] as const) {
      const { ch, macKey } = await authWithOffer(c, endpointId, keys);
      ch.send(ch.macd(body, macKey as Buffer));
      assert.equal((await ch.next((m) => m.type === 'error')).code, 'INVALID_MESSAGE', body.type);
    }
    // auth and enroll carry the offer: a MAC in place of their signature is no signature.
    const auth = await RawChannel.open(c.url);
    auth.endpointId = endpointId;
    auth.send(auth.macd({ type: 'auth', v: 1, endpointId }, Buffer.alloc(32, 1)));
    assert.equal((await auth.next((m) => m.type === 'error')).code, 'INVALID_MESSAGE');
    const enroll = await RawChannel.open(c.url);
    const fresh = generateDeviceKey();
    enroll.send(enroll.macd({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: fresh.publicKey }, Buffer.alloc(32, 1)));
    assert.equal((await enroll.next((m) => m.type === 'error')).code, 'INVALID_MESSAGE');
    assert.equal(await stored(), before);
  });

  it('an offer made at enrollment gives the session its MAC key', async () => {
    const ch = await RawChannel.open(c.url);
    const fresh = generateDeviceKey();
    const offer = newSessionKeyPair();
    ch.send(
      ch.signed({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: fresh.publicKey, sessionKey: offer.publicKey }, fresh),
    );
    ch.endpointId = (await ch.next((m) => m.type === 'enrolled')).endpointId;
    const authenticated = await ch.next((m) => m.type === 'authenticated');
    const macKey = sessionMacKey(offer.privateKey, authenticated.sessionKey, {
      nonce: ch.nonce,
      endpointId: ch.endpointId,
      agentKey: offer.publicKey,
      collectorKey: authenticated.sessionKey,
    });
    ch.send(ch.macd({ type: 'report', seq: 1, report: report('SERIAL-ENROLL-MAC') }, macKey));
    assert.equal((await ch.next((m) => m.type === 'ack')).seq, 1);
    // …and the key is this endpoint's: the same MAC under another endpoint's id fails.
    ch.send(ch.macd({ type: 'report', seq: 2, report: report('SERIAL-ENROLL-MAC') }, macKey, endpointId));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    ch.close();
  });

  it('an offer signed by another key does not authenticate', async () => {
    const ch = await RawChannel.open(c.url);
    ch.endpointId = endpointId;
    ch.send(ch.signed({ type: 'auth', v: 1, endpointId, sessionKey: newSessionKeyPair().publicKey }, generateDeviceKey()));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
  });
  // A session must not hold its endpoint's key decoded (about 1.5 kB outside V8's heap each:
  // 29 MB for 20,000 agents); it decodes it for each signed frame (5 µs as a JWK), and every
  // signed frame still checks out, a forged one still fails.
  it('never keeps a decoded device key, and checks signed frames before and after the MAC', async () => {
    const sessions = (c.channel as unknown as { sessions: Map<string, Set<object>> }).sessions;
    const decoded = (): boolean[] => [...(sessions.get(endpointId) ?? [])].map((s) => Object.values(s).some((v) => v instanceof KeyObject));
    const { ch, macKey, authenticated } = await authWithOffer(c, endpointId, keys);
    assert.deepEqual(decoded(), [false], 'authenticated and idle: no decoded key');
    const seq = authenticated.lastSeq + 1;
    ch.send(ch.signed({ type: 'report', seq, report: report('SERIAL-KEY-1') }, keys));
    assert.equal((await ch.next((m) => m.type === 'ack')).seq, seq);
    assert.deepEqual(decoded(), [false], 'reports signed: no decoded key kept');
    ch.send(ch.macd({ type: 'report', seq: seq + 1, report: report('SERIAL-KEY-2') }, macKey as Buffer));
    assert.equal((await ch.next((m) => m.type === 'ack')).seq, seq + 1);
    assert.deepEqual(decoded(), [false], "reports MAC'd: no decoded key");
    // A signed frame after that: decoded for the check, and a forged one still refused.
    ch.send(ch.signed({ type: 'describe', transactionId: 'tx_not_there' }, keys));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'TRANSACTION_UNKNOWN');
    assert.deepEqual(decoded(), [false]);
    ch.send(ch.signed({ type: 'describe', transactionId: 'tx_not_there' }, generateDeviceKey()));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    ch.close();
  });
});
