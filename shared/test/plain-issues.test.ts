import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { z } from 'zod';
import { ChannelError, PLAIN_ISSUES, describeIssue, parseAgentFrame } from '@devtrust/shared/protocol';

/** The description of the first issue `value` raises against `schema`, parsed as the collector and agent parse. */
function described(schema: z.ZodType, value: unknown): string {
  const parsed = schema.safeParse(value, PLAIN_ISSUES);
  assert.ok(!parsed.success, 'the value was accepted');
  return describeIssue(parsed.error);
}

const one = (field: z.ZodType) => z.strictObject({ f: field });

/**
 * zod's own wording ("Invalid input: expected string, received undefined") reached admins in
 * devtrustctl and the console. Each kind of issue now reads in plain words, naming the bound,
 * the format or the allowed values, and what kind of value came (never the value itself).
 */
describe('describeIssue with PLAIN_ISSUES: each kind of issue in plain words', () => {
  const cases: [string, z.ZodType, unknown, string][] = [
    ['a missing field', one(z.string()), {}, 'f: required'],
    ['a number for a string', one(z.string()), { f: 42 }, 'f: must be a string, got a number'],
    ['a string for a number', one(z.number()), { f: '42' }, 'f: must be a number, got a string'],
    ['null for a list', one(z.array(z.string())), { f: null }, 'f: must be a list, got null'],
    ['a list for an object', one(z.object({})), { f: [] }, 'f: must be an object, got a list'],
    ['an object for a boolean', one(z.boolean()), { f: {} }, 'f: must be true or false, got an object'],
    ['a boolean for a string', one(z.string()), { f: true }, 'f: must be a string, got true'],
    ['a fraction for a whole number', one(z.int()), { f: 1.5 }, 'f: must be a whole number'],
    ['not an object at all', z.strictObject({ f: z.string() }), 'text', '(root): must be an object, got a string'],
    ['an enum', one(z.enum(['a', 'b', 'c'])), { f: 'd' }, 'f: must be one of a, b, c'],
    ['a literal', one(z.literal(1)), { f: 2 }, 'f: must be 1'],
    [
      'a long enum',
      one(z.enum(Array.from({ length: 14 }, (_, i) => `v${i}`) as [string, ...string[]])),
      { f: 'x' },
      'f: must be one of v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, … (14 in all)',
    ],
    ['an empty string', one(z.string().min(1)), { f: '' }, 'f: must not be empty'],
    ['a short string', one(z.string().min(8)), { f: 'abc' }, 'f: must be at least 8 characters long'],
    ['a long string', one(z.string().max(3)), { f: 'abcd' }, 'f: must be at most 3 characters long'],
    ['a string of the wrong length', one(z.string().length(2)), { f: 'abc' }, 'f: must be exactly 2 characters long'],
    ['an empty list', one(z.array(z.string()).min(1)), { f: [] }, 'f: must not be empty'],
    ['a long list', one(z.array(z.string()).max(2)), { f: ['a', 'b', 'c'] }, 'f: must have at most 2 items'],
    ['a small number', one(z.number().min(5)), { f: 4 }, 'f: must be at least 5'],
    ['a big number', one(z.number().max(5)), { f: 6 }, 'f: must be at most 5'],
    ['a number not above a bound', one(z.number().positive()), { f: 0 }, 'f: must be greater than 0'],
    ['a number not a multiple', one(z.number().multipleOf(5)), { f: 7 }, 'f: must be a multiple of 5'],
    ['a URL', one(z.url()), { f: 'not a url' }, 'f: must be a URL'],
    ['an email address', one(z.email()), { f: 'nobody' }, 'f: must be an email address'],
    ['a time', one(z.iso.datetime()), { f: 'yesterday' }, 'f: must be an ISO 8601 date and time such as 2026-01-31T09:00:00Z'],
    ['a pattern', one(z.string().regex(/^[a-z]+$/)), { f: 'A' }, 'f: is not in the expected form (it must match /^[a-z]+$/)'],
    ['a prefix', one(z.string().startsWith('dtk_')), { f: 'x' }, 'f: must start with dtk_'],
    ['a union of kinds', one(z.union([z.string(), z.number()])), { f: true }, 'f: must be a string or a number, got true'],
    ['a union left out', one(z.union([z.string(), z.number()])), {}, 'f: required'],
    [
      'a discriminated union',
      one(z.discriminatedUnion('type', [z.object({ type: z.literal('a') }), z.object({ type: z.literal('b') })])),
      { f: { type: 'c' } },
      'f.type: must be one of a, b',
    ],
    ['a record key', one(z.record(z.string().regex(/^[a-z]+$/), z.string())), { f: { Y: 'v' } }, 'f.Y: is not an allowed key'],
    ['a refinement without a message', one(z.string().refine((s) => s === 'ok')), { f: 'no' }, 'f: is not valid'],
    [
      'a nested path',
      z.strictObject({ a: z.array(z.strictObject({ b: z.string() })) }),
      { a: [{ b: 1 }] },
      'a.0.b: must be a string, got a number',
    ],
    ['an unknown field (unchanged)', one(z.string()), { f: 'x', g: 1 }, 'g: unknown field'],
    ['unknown nested fields (unchanged)', z.strictObject({ o: z.strictObject({}) }), { o: { p: 1, q: 2 } }, 'o.p, q: unknown field'],
  ];
  for (const [what, schema, value, expected] of cases) {
    it(what, () => assert.equal(described(schema, value), expected));
  }

  it("keeps a schema's own message (refine, min with a message, a schema-wide error)", () => {
    assert.equal(described(one(z.string().refine((s) => s === 'ok', { message: 'must be ok' })), { f: 'no' }), 'f: must be ok');
    assert.equal(described(one(z.string().min(1, 'give a name')), { f: '' }), 'f: give a name');
    assert.equal(described(one(z.string({ error: 'a name, please' })), {}), 'f: a name, please');
    assert.equal(described(one(z.string().regex(/^\d+$/, 'a whole number of devices')), { f: 'x' }), 'f: a whole number of devices');
  });

  it('never quotes the value received', () => {
    const secret = 'dtk_secret-value-0001';
    for (const schema of [z.number(), z.enum(['a']), z.email(), z.string().max(3), z.string().regex(/^x$/)]) {
      assert.doesNotMatch(described(one(schema), { f: secret }), /secret-value/);
    }
  });

  it("words the agent channel's refusals the same way", () => {
    assert.throws(
      () => parseAgentFrame('{"type":"auth","v":1,"endpointId":5,"signature":"s"}'),
      (error: unknown) => error instanceof ChannelError && error.message === 'auth: endpointId: must be a string, got a number',
    );
    assert.throws(
      () => parseAgentFrame('{"type":"auth","v":1,"signature":"s"}'),
      (error: unknown) => error instanceof ChannelError && error.message === 'auth: endpointId: required',
    );
  });
});
