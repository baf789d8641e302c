import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import {
  canonicalJson,
  decodePublicKey,
  encodeP256PublicKey,
  encodePublicKey,
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
  it('encodes every JSON value exactly as the encoding agents of earlier releases sign over', () => {
    // The array-of-entries encoding every release before this one used (agents in the field
    // sign with it): the faster one must give the same text for any value, or their
    // signatures and MACs stop checking out.
    const previous = (value: unknown): string => {
      if (value === null) return 'null';
      if (typeof value !== 'object') return JSON.stringify(value);
      if (Array.isArray(value)) return `[${value.map((item) => previous(item ?? null)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${previous(v)}`).join(',')}}`;
    };
    const key = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('__proto__', 'a', 'B', 'é', '😀', 'ﬀ'),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 4 },
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.string({ unit: 'binary' }),
        fc.constant(undefined),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(key, tie('node'), { maxKeys: 6 }),
      ),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 8 }), (object) => {
        assert.equal(canonicalJson(object), previous(object));
      }),
      { numRuns: 2_000 },
    );
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
  it('decodes exactly the key that was encoded, Ed25519 and P-256, and refuses a point off the curve', () => {
    for (let i = 0; i < 20; i++) {
      const ed = generateKeyPairSync('ed25519').publicKey;
      const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
      const spki = (key: import('node:crypto').KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('hex');
      assert.equal(spki(decodePublicKey(encodePublicKey(ed))), spki(ed));
      assert.equal(spki(decodePublicKey(encodeP256PublicKey(p256))), spki(p256));
    }
    const offCurve = Buffer.alloc(65, 7);
    offCurve[0] = 0x04;
    assert.throws(() => decodePublicKey(offCurve.toString('base64url')));
    assert.throws(() => decodePublicKey(Buffer.alloc(33, 1).toString('base64url')), /Ed25519 key \(32 bytes\) or a P-256 point/);
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
