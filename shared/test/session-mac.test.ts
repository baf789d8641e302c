import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { macPayload, newSessionKeyPair, sessionMacKey, verifyMac } from '../src/crypto.js';

const context = (agentKey: string, collectorKey: string, nonce = 'nonce-1', endpointId = 'ep_1') => ({
  nonce,
  endpointId,
  agentKey,
  collectorKey,
});

describe('session MACs (X25519 + HKDF + HMAC-SHA256)', () => {
  it('agent and collector derive the same key, and a MAC made with it checks out on the other side', () => {
    const agent = newSessionKeyPair();
    const collector = newSessionKeyPair();
    const agentSide = sessionMacKey(agent.privateKey, collector.publicKey, context(agent.publicKey, collector.publicKey));
    const collectorSide = sessionMacKey(collector.privateKey, agent.publicKey, context(agent.publicKey, collector.publicKey));
    assert.deepEqual(agentSide, collectorSide);
    assert.equal(agentSide.length, 32);
    const payload = { type: 'report', seq: 2, report: { b: 1, a: 'x' }, nonce: 'nonce-1', endpointId: 'ep_1' };
    const mac = macPayload(agentSide, payload);
    assert.match(mac, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(verifyMac(collectorSide, payload, mac), true);
    // Key order does not matter (canonical encoding), content does.
    assert.equal(verifyMac(collectorSide, { ...payload, report: { a: 'x', b: 1 } }, mac), true);
    assert.equal(verifyMac(collectorSide, { ...payload, seq: 3 }, mac), false);
  });

  it('another nonce, endpoint or swapped public key gives another key', () => {
    const agent = newSessionKeyPair();
    const collector = newSessionKeyPair();
    const base = sessionMacKey(agent.privateKey, collector.publicKey, context(agent.publicKey, collector.publicKey));
    assert.notDeepEqual(
      sessionMacKey(agent.privateKey, collector.publicKey, context(agent.publicKey, collector.publicKey, 'nonce-2')),
      base,
    );
    assert.notDeepEqual(
      sessionMacKey(agent.privateKey, collector.publicKey, context(agent.publicKey, collector.publicKey, 'nonce-1', 'ep_2')),
      base,
    );
    // A man in the middle who answers with his own key shares a key with the agent, not the collector.
    const mitm = newSessionKeyPair();
    const agentWithMitm = sessionMacKey(agent.privateKey, mitm.publicKey, context(agent.publicKey, mitm.publicKey));
    const collectorSide = sessionMacKey(collector.privateKey, agent.publicKey, context(agent.publicKey, collector.publicKey));
    assert.notDeepEqual(agentWithMitm, collectorSide);
  });

  it('refuses malformed and low-order peer keys; a malformed MAC never verifies', () => {
    const own = newSessionKeyPair();
    const ctx = context(own.publicKey, own.publicKey);
    assert.throws(() => sessionMacKey(own.privateKey, Buffer.alloc(31).toString('base64url'), ctx));
    // The all-zero point (order 1): every private key gives an all-zero shared secret.
    assert.throws(() => sessionMacKey(own.privateKey, Buffer.alloc(32).toString('base64url'), ctx));
    const key = Buffer.alloc(32, 7);
    assert.equal(verifyMac(key, { a: 1 }, ''), false);
    assert.equal(verifyMac(key, { a: 1 }, '!!!'), false);
    assert.equal(verifyMac(key, { a: 1 }, macPayload(Buffer.alloc(32, 8), { a: 1 })), false);
  });

  it('refuses every low-order peer key, canonical or not', () => {
    const own = newSessionKeyPair();
    const ctx = context(own.publicKey, own.publicKey);
    const p = (1n << 255n) - 19n;
    const littleEndian = (n: bigint, high = false): string => {
      const bytes = Buffer.alloc(32);
      for (let i = 0, x = n; i < 32; i++, x >>= 8n) bytes[i] = Number(x & 255n);
      if (high) bytes[31] = (bytes[31] as number) | 0x80;
      return bytes.toString('base64url');
    };
    const order8 = [
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    ];
    const points = [0n, 1n, p - 1n, p, p + 1n].flatMap((u) => [littleEndian(u), littleEndian(u, true)]);
    for (const point of [...points, ...order8.map((hex) => Buffer.from(hex, 'hex').toString('base64url'))])
      assert.throws(() => sessionMacKey(own.privateKey, point, ctx), Error, point);
  });

  it('takes a MAC only in its canonical encoding (the spare bits of the last character set differently fail)', () => {
    const key = Buffer.alloc(32, 7);
    const mac = macPayload(key, { a: 1 });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(mac.at(-1) as string);
    const variants = [1, 2, 3].map((spare) => mac.slice(0, -1) + alphabet[(last & ~3) | (spare ^ (last & 3))]);
    assert.equal(verifyMac(key, { a: 1 }, mac), true);
    for (const variant of variants) assert.equal(verifyMac(key, { a: 1 }, variant), false, variant);
  });
});
