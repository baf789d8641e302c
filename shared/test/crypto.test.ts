import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import {
  canonicalJson,
  generateDeviceKey,
  hashToken,
  privateKeyFromPem,
  privateKeyToPem,
  seal,
  signPayload,
  tokenMatches,
  unseal,
  verifyPayload,
} from '@devtrust/shared/crypto';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[true,null]},"b":1}');
  });
  it('refuses what JSON cannot say exactly', () => {
    assert.throws(() => canonicalJson({ n: Number.NaN }), /non-finite/);
    assert.throws(() => canonicalJson({ f: () => 1 }), /cannot encode/);
  });
});

describe('device keys', () => {
  it('signs and verifies over the canonical encoding, whatever the key order', () => {
    const keys = generateDeviceKey();
    const signature = signPayload(keys.privateKey, { a: 1, b: 2 });
    assert.equal(verifyPayload(keys.publicKey, { b: 2, a: 1 }, signature), true);
    assert.equal(verifyPayload(keys.publicKey, { a: 1, b: 3 }, signature), false);
    assert.equal(verifyPayload(generateDeviceKey().publicKey, { a: 1, b: 2 }, signature), false);
  });
  it('never throws on garbage keys or signatures', () => {
    assert.equal(verifyPayload('not-a-key', {}, 'sig'), false);
    assert.equal(verifyPayload(generateDeviceKey().publicKey, {}, '!!!'), false);
  });
  it('round-trips through PEM', () => {
    const keys = generateDeviceKey();
    assert.equal(privateKeyFromPem(privateKeyToPem(keys.privateKey)).publicKey, keys.publicKey);
  });
});

describe('secrets', () => {
  it('seals with AES-GCM bound to a context', () => {
    const key = randomBytes(32);
    const sealed = seal(key, 'vendor-secret', 'int_1/clientSecret');
    assert.ok(!sealed.includes('vendor-secret'));
    assert.equal(unseal(key, sealed, 'int_1/clientSecret'), 'vendor-secret');
    assert.throws(() => unseal(key, sealed, 'int_2/clientSecret'));
    assert.throws(() => unseal(randomBytes(32), sealed, 'int_1/clientSecret'));
    assert.notEqual(seal(key, 'same', 'c'), seal(key, 'same', 'c'), 'a fresh IV every time');
  });
  it('stores tokens hashed and compares in constant time', () => {
    const hash = hashToken('dtk_abc');
    assert.equal(tokenMatches('dtk_abc', hash), true);
    assert.equal(tokenMatches('dtk_abd', hash), false);
  });
});
