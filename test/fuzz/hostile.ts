import fc from 'fast-check';
import { MAX_ROW_CHARACTERS } from '@devtrust/collector/sync/csv/parse';
import { LIMITS } from '@devtrust/shared/protocol';

/**
 * Hostile input for the property-based tests: the strings and JSON an attacker, a broken
 * vendor or a bad export sends. JSON values are generated as JSON *text* and parsed, so a
 * `__proto__` member is an own property exactly as JSON.parse makes it from a real body.
 */

/** Strings known to have hurt parsers, databases or consoles somewhere. */
const NAMED = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ud83dx',
  '\u202e',
  '\u2066evil\u2069',
  '\u200b',
  '\ufeff',
  '\r\n',
  '"',
  "'; DROP TABLE endpoints; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '%zz',
  '%',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e400',
  '00:00:00:00:00:00',
  'FF:FF:FF:FF:FF:FF',
  '0000000000000000',
  'To Be Filled By O.E.M.',
  'Default string',
  '03000200-0400-0500-0006-000700080009',
  'ＣＯ２ＸＧ２',
  'ß',
  'ﬃ',
  '\u0130',
] as const;

const loneSurrogates = fc
  .array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 4 })
  .map((codes) => String.fromCharCode(...codes));

/**
 * Lengths one past each limit a string meets on its way in, and the longest tried. A string
 * of each is drawn often enough in 10,000 runs (a few dozen times per property), but most
 * huge strings are of the modest lengths below: a sample is parsed whole on every run, and
 * uniform lengths up to 20,000 made the fuzz tests spend their time in JSON.parse.
 */
const PAST_LIMITS = [
  LIMITS.maxHostnameLength + 1,
  LIMITS.maxIdentifierLength + 1, // also a CSV row's device name and owner (maxDeviceTextLength)
  2 * 256 + 1, // a vendor's device name or owner: cut to 256 code points, the first 512 units kept (sync/normalize.ts)
  501, // an EDR detail (500 code points) and a sync config's text fields (sync/kit/config-fields.ts)
  2 * 500 + 1,
  2_001, // a vendor's raw extract (RAW_LIMIT) and a redirect URI (admin/routes/applications.ts)
  2 * 2_000 + 1,
  4_097, // a vendor credential (sync/kit/config-fields.ts)
  MAX_ROW_CHARACTERS + 1, // a CSV row or header
  20_000,
] as const;

/** Strings past every limit: 254 characters (one past a hostname) up to 20,000 (past a CSV row). */
export const huge = fc
  .tuple(
    fc.constantFrom('A', '0', 'é', '😀', '\u0000', ' ', ',', '"', '\n'),
    fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...PAST_LIMITS) }, { weight: 3, arbitrary: fc.integer({ min: 200, max: 600 }) }),
  )
  .map(([unit, count]) => unit.repeat(count));

/** Hostile strings of ordinary length. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMED) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: loneSurrogates },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...NAMED), fc.string({ maxLength: 10 }), fc.constantFrom(...NAMED)).map((p) => p.join('')),
  },
);

/** Hostile strings, a few of them huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof({ weight: 16, arbitrary: hostileText }, { weight: 1, arbitrary: huge });

/** Member names: the prototype's own names among ordinary ones. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'type', 'id', ''),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

const numberText = fc.oneof(
  fc.constantFrom(
    '0',
    '-0',
    '1',
    '-1',
    '1e308',
    '-1e308',
    '5e-324',
    '1e-400',
    '1e400',
    '9007199254740993',
    '123456789012345678901234567890',
    '0.1',
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.integer().map(String),
);

/**
 * JSON nested past the collector's limit (LIMITS.maxJsonDepth, 32 levels): mostly a little
 * past it, sometimes exactly one level past, or deep enough to overflow a recursive
 * encoder's stack (2,000 and 20,000 levels: see sync/normalize.ts cleanRaw).
 */
const deepText = fc
  .tuple(
    fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(LIMITS.maxJsonDepth + 1, 2_000, 20_000) },
      { weight: 9, arbitrary: fc.integer({ min: 20, max: 200 }) },
    ),
    fc.boolean(),
  )
  .map(([depth, objects]) => (objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`));

const { json } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'xsmall', withCrossShrink: true },
    {
      weight: 3,
      arbitrary: fc.oneof({ weight: 30, arbitrary: hostileText }, { weight: 1, arbitrary: huge }).map((s) => JSON.stringify(s)),
    },
    { weight: 1, arbitrary: numberText },
    { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '[]', '{}') },
    { weight: 1, arbitrary: tie('array') },
    { weight: 1, arbitrary: tie('object') },
  ),
  array: fc.array(tie('json'), { maxLength: 3, depthIdentifier: 'json' }).map((items) => `[${items.join(',')}]`),
  object: fc
    .array(fc.tuple(hostileKey, tie('json')), { maxLength: 3, depthIdentifier: 'json' })
    .map((members) => `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}));

/** Any JSON text, hostile in its strings, numbers, member names and depth. */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof({ weight: 9, arbitrary: json }, { weight: 1, arbitrary: deepText });

/** A JSON object's text, members hostile; `known` names are among the member names tried. */
export function hostileObjectText(known: readonly string[]): fc.Arbitrary<string> {
  const key = known.length > 0 ? fc.oneof(fc.constantFrom(...known), hostileKey) : hostileKey;
  return fc
    .array(fc.tuple(key, hostileJsonText), { maxLength: 6 })
    .map((members) => `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
}

/**
 * A real record (a vendor's, a message) with hostile values put in, as JSON text: each leaf
 * may be replaced, each object may gain hostile members, and the whole record may be
 * replaced by anything. Text, so a counter-example nested 20,000 deep still prints.
 */
export function mutatedRecordText(seed: unknown): fc.Arbitrary<string> {
  const leaves = countSlots(seed);
  const mutated = fc
    .tuple(
      // A few leaves replaced (the rest as in the real record), so most of the record stays valid.
      fc.array(fc.tuple(fc.nat({ max: Math.max(0, leaves - 1) }), hostileJsonText), { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(hostileKey, hostileJsonText), { maxLength: 2 }),
    )
    .map(([replaced, extra]) => {
      const byLeaf = new Map(replaced);
      let slot = 0;
      return rewrite(seed, (original) => byLeaf.get(slot++) ?? JSON.stringify(original), extra);
    });
  return fc.oneof({ weight: 8, arbitrary: mutated }, { weight: 1, arbitrary: hostileJsonText });
}

function countSlots(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countSlots(v), 0);
  if (typeof value === 'object' && value !== null) return Object.values(value).reduce((n: number, v) => n + countSlots(v), 0);
  return 1;
}

/** The seed as JSON text with each leaf from `leaf` and `extra` members in every object. */
function rewrite(value: unknown, leaf: (original: unknown) => string, extra: [string, string][]): string {
  if (Array.isArray(value)) return `[${value.map((v) => rewrite(v, leaf, extra)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${rewrite(v, leaf, extra)}`);
    members.push(...extra.map(([k, v]) => `${JSON.stringify(k)}:${v}`));
    return `{${members.join(',')}}`;
  }
  return leaf(value);
}

/** numRuns for the properties the issue counts: at least 10,000 each. */
export const RUNS = 10_000;
