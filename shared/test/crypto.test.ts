import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import {
  canonicalJson,
  decodePublicKey,
  encodeP256PublicKey,
  isUsablePublicKey,
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
      // Up to 40 keys: objects of more than 16 are sorted by Array.prototype.sort, smaller ones in place.
      fc.property(fc.dictionary(key, value, { maxKeys: 40 }), (object) => {
        assert.equal(canonicalJson(object), previous(object));
      }),
      { numRuns: 2_000 },
    );
  });
  it('encodes the same keys the same way however many objects repeat them', () => {
    // Quoted keys are kept for reuse (at most 512): filling and emptying that store changes no text.
    const keys = Array.from({ length: 1_500 }, (_, i) => `k${i}\u2028"\\${'é'.repeat(i % 3)}`);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < keys.length; i += 30) {
        const object = Object.fromEntries(keys.slice(i, i + 30).map((k, j) => [k, j]));
        const expected = `{${Object.keys(object)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${object[k]}`)
          .join(',')}}`;
        assert.equal(canonicalJson(object), expected);
      }
    }
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
  // Ed25519 points of small order: with one as the key, a signature is forged without any
  // private key (for the identity, R = the base point and S = 1 verify over any message).
  it('refuses Ed25519 keys of small order and y written out of range, and accepts every key a device makes', () => {
    const p = 2n ** 255n - 19n;
    const encode = (y: bigint, sign = 0n): string => {
      const hex = (y | (sign << 255n)).toString(16).padStart(64, '0');
      return Buffer.from(hex, 'hex').reverse().toString('base64url');
    };
    // The eight points of order 1, 2, 4 and 8 (x = 0 has only the positive sign), found by
    // arithmetic on the curve below rather than taken from a list.
    const smallOrder = smallOrderPoints(p);
    assert.equal(smallOrder.length, 8);
    for (const { y, sign } of smallOrder) assert.equal(isUsablePublicKey(encode(y, sign)), false, `order-dividing-8 point y=${y}`);
    assert.throws(() => decodePublicKey(encode(1n)), /small order/);
    for (const y of [p, p + 1n, 2n ** 255n - 1n]) assert.equal(isUsablePublicKey(encode(y)), false, `y = ${y} ≥ p`);
    const identity = encode(1n);
    const forged = Buffer.concat([Buffer.from(encode((4n * modInverse(5n, p)) % p), 'base64url'), Buffer.from(encode(1n), 'base64url')]);
    assert.equal(verifyPayload(identity, { any: 'message' }, forged.toString('base64url')), false);
    for (let i = 0; i < 200; i++) assert.equal(isUsablePublicKey(generateDeviceKey().publicKey), true);
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

function modPow(base: bigint, exp: bigint, p: bigint): bigint {
  let result = 1n;
  let b = ((base % p) + p) % p;
  for (let e = exp; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) result = (result * b) % p;
  return result;
}
function modInverse(a: bigint, p: bigint): bigint {
  return modPow(a, p - 2n, p);
}

/**
 * Every point P of Ed25519 (−x² + y² = 1 + d·x²·y²) with 8·P = the identity, as (y, sign of
 * x): the candidate y are those of the identity (1), of order 2 (−1), of order 4 (0), and of
 * the points that double to order 4; each candidate is kept only if doubling it three times
 * gives the identity.
 */
function smallOrderPoints(p: bigint): { y: bigint; sign: bigint }[] {
  const mod = (a: bigint): bigint => ((a % p) + p) % p;
  const d = mod(-121665n * modInverse(121666n, p));
  const sqrtM1 = modPow(2n, (p - 1n) / 4n, p);
  const sqrt = (a: bigint): bigint | null => {
    let x = modPow(a, (p + 3n) / 8n, p);
    if (mod(x * x - a) !== 0n) x = mod(x * sqrtM1);
    return mod(x * x - a) === 0n ? x : null;
  };
  const xOf = (y: bigint): bigint | null => sqrt(mod((y * y - 1n) * modInverse(d * y * y + 1n, p)));
  const add = ([x1, y1]: bigint[], [x2, y2]: bigint[]): bigint[] => {
    const t = mod(d * x1! * x2! * y1! * y2!);
    return [mod((x1! * y2! + y1! * x2!) * modInverse(1n + t, p)), mod((y1! * y2! + x1! * x2!) * modInverse(1n - t, p))];
  };
  // Doubling (x, y) gives y' = (y² + x²) / (1 − d·x²·y²) = (y² + x²) / (2 − y² + x²) on this curve;
  // y' = 0 (order 4) means x² = −y², so with x² = (y² − 1)/(d·y² + 1): −y²·(d·y² + 1) = y² − 1,
  // i.e. d·y⁴ + 2·y² − 1 = 0, y² = (−1 ± sqrt(1 + d)) / d.
  const candidates = [1n, p - 1n, 0n];
  const root = sqrt(mod(1n + d)) as bigint;
  for (const r of [root, mod(-root)]) {
    const y = sqrt(mod((-1n + r) * modInverse(d, p)));
    if (y !== null) candidates.push(y, mod(-y));
  }
  const points: { y: bigint; sign: bigint }[] = [];
  for (const y of candidates) {
    const x = xOf(y);
    if (x === null) continue;
    for (const sign of x === 0n ? [0n] : [0n, 1n]) {
      const px = (x & 1n) === sign ? x : mod(-x);
      let q = [px, y];
      for (let i = 0; i < 3; i++) q = add(q, q);
      if (q[0] === 0n && q[1] === 1n) points.push({ y, sign });
    }
  }
  return points;
}
