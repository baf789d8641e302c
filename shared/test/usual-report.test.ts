import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { EDR_VENDORS, PLATFORMS } from '@devtrust/shared/identity';
import { ChannelError, LIMITS, parseAgentFrame, reportMessage } from '@devtrust/shared/protocol';
import { usualReportFrame } from '../src/protocol/usual-report.js';

// The usual report is checked without zod (usual-report.ts). What it accepts must be what zod
// accepts, and as zod returns it (members in the schema's order: the stored report is its
// JSON); what it refuses goes to zod, so refusing more only costs time.

/** An object from entries, as JSON.parse makes it: `__proto__` an own member, not the prototype. */
const objectFrom = (entries: [string, unknown][]): Record<string, unknown> =>
  JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`) as Record<string, unknown>;

/** Text: usually fine, sometimes around its limit, with characters display text refuses, or any JSON value. */
const text = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 30, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 2, arbitrary: fc.integer({ min: Math.max(0, max - 2), max: max + 2 }).map((n) => 'é'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom('', 'a\u202eb', 'x\ny', 'z\u200d', '\u00ad', 'p\u2028q', '\ud83d\ude00', 'tab\t') },
    // Default-ignorable and blank characters; joiners and selectors display text takes and machine text does not.
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'L\u034f',
        '\u2800\u2800',
        'a\u180b',
        '\u200d',
        'a\u200c',
        '\u2764\ufe0f',
        'a\ufe0f\ufe0f',
        '\u3000\u3000',
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  );
const anyOr = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 40, arbitrary }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const oneOf = (values: readonly string[]): fc.Arbitrary<unknown> =>
  anyOr(fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.constant('other') }));
const bool = anyOr(fc.boolean());
const record = (value: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  anyOr(
    fc
      .array(
        fc.tuple(
          fc
            .oneof({ weight: 20, arbitrary: text(64) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '1', '0') })
            // A member name: text(64) may be any JSON value, and String() throws on an object
            // whose own `toString` is not a function ({"toString": 1}: a CI run drew one).
            .map((key) => (typeof key === 'string' ? key : (JSON.stringify(key) ?? 'null'))),
          value,
        ),
        { maxLength: 4 },
      )
      .map(objectFrom),
  );

/**
 * An object of the schema's members in its order: usually all of them, or any of them (a
 * required one missing), sometimes with an unknown member or in another order.
 */
const object = (members: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> =>
  anyOr(
    fc
      .tuple(
        fc.oneof({ weight: 10, arbitrary: fc.record(members) }, { weight: 1, arbitrary: fc.record(members, { requiredKeys: [] }) }),
        fc.oneof({ weight: 30, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('extra', '__proto__', 'toString') }),
        fc.oneof({ weight: 30, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      )
      .map(([value, extra, reversed]) => {
        const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
        if (extra) entries.splice(entries.length >> 1, 0, [extra, 1]);
        return objectFrom(reversed ? entries.reverse() : entries);
      }),
  );

/** A list of a few of `element`, or of `filler` up to its limit and past it. */
const listAroundLimit = (element: fc.Arbitrary<unknown>, filler: fc.Arbitrary<unknown>, max: number): fc.Arbitrary<unknown[]> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.array(element, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(filler, { minLength: max - 1, maxLength: max + 1 }) },
  );

/** An optional member: present `present` times in `present + absent`. */
const optional = (arbitrary: fc.Arbitrary<unknown>, present = 1, absent = 1): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: present, arbitrary }, { weight: absent, arbitrary: fc.constant(undefined) });

const edr = object({
  vendor: oneOf(EDR_VENDORS),
  installed: optional(bool),
  running: optional(bool),
  connectorId: optional(text(256)),
  details: optional(record(fc.oneof(text(256), fc.boolean(), fc.double()))),
});
const identity = object({
  platform: optional(oneOf(PLATFORMS)),
  hardwareUuid: optional(text(LIMITS.maxIdentifierLength)),
  serialNumber: optional(text(LIMITS.maxIdentifierLength)),
  machineGuid: optional(text(LIMITS.maxIdentifierLength)),
  hostname: optional(text(LIMITS.maxHostnameLength)),
  osVersion: optional(text(256)),
  macAddresses: optional(anyOr(listAroundLimit(text(LIMITS.maxIdentifierLength), fc.constant('02:00:00:00:00:01'), 64))),
  edr: optional(anyOr(listAroundLimit(edr, fc.constant({ vendor: 'defender' }), 16))),
});
const report = object({
  agentVersion: text(64),
  collectedAt: text(40),
  identity,
  posture: optional(
    object({
      diskEncryption: optional(bool),
      firewall: optional(bool),
      screenLock: optional(bool),
      passwordSet: optional(bool),
      osBuild: optional(text(256)),
    }),
  ),
  probeErrors: optional(record(text(256))),
  user: optional(text(256)),
  mdmAssertion: optional(
    fc.record({ deviceId: fc.constantFrom('DEV-1', 'bad id'), proof: fc.constantFrom('A'.repeat(43), 'short') }),
    1,
    20,
  ),
});
const message = object({
  type: anyOr(fc.constantFrom('report', 'report', 'report', 'attest')),
  seq: anyOr(
    fc.oneof(
      { weight: 10, arbitrary: fc.integer({ min: 1, max: 1e6 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5) },
    ),
  ),
  report,
  signature: optional(text(200)),
  mac: optional(
    anyOr(
      fc.oneof(
        { weight: 10, arbitrary: fc.constant('A'.repeat(43)) },
        { weight: 1, arbitrary: fc.constantFrom('B'.repeat(42), `${'C'.repeat(42)}=`, `${'D_-'.repeat(14)}E`) },
      ),
    ),
  ),
});

describe('the usual report, checked without zod', () => {
  it('accepts only what zod accepts, and returns it as zod does (members in the same order)', () => {
    let accepted = 0;
    let refusedByBoth = 0;
    fc.assert(
      fc.property(message, (value) => {
        const usual = usualReportFrame(value as Record<string, unknown>);
        const zod = reportMessage.safeParse(value);
        if (usual === null) {
          if (!zod.success) refusedByBoth++;
          return;
        }
        accepted++;
        assert.ok(zod.success, `accepted what zod refuses: ${JSON.stringify(value)}: ${zod.error?.message}`);
        assert.equal(JSON.stringify(usual), JSON.stringify(zod.data));
        assert.deepEqual(usual, zod.data);
      }),
      { numRuns: 20_000 },
    );
    // Both sides exercised: the generator makes valid reports as well as broken ones.
    assert.ok(accepted > 1_000, `accepted ${accepted}`);
    assert.ok(refusedByBoth > 1_000, `refused ${refusedByBoth}`);
  });

  it("takes the agent's usual report, signed or MAC'd, and parseAgentFrame returns what zod gives", () => {
    const frame = {
      type: 'report',
      seq: 7,
      report: {
        agentVersion: '1.4.0',
        collectedAt: '2026-11-30T19:00:00.000Z',
        identity: {
          platform: 'windows',
          hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E4D32',
          serialNumber: 'C02X1234',
          machineGuid: '{6F1A2B3C-0000-4D5E-8F90-ABCDEF012345}',
          hostname: 'LAPTOP-Ünïcode',
          osVersion: '10.0.22631',
          macAddresses: ['00:1A:2B:3C:4D:5E'],
          edr: [{ vendor: 'defender', installed: true, running: true, details: { orgId: 'o-1', onboarded: true, version: 4.18 } }],
        },
        posture: { diskEncryption: true, firewall: false, osBuild: '22631.2861' },
        probeErrors: { tpm: 'needs administrator' },
        user: 'CORP\\alice',
      },
    };
    for (const proof of [{ mac: 'A'.repeat(43) }, { signature: 'sig' }]) {
      const value = { ...frame, ...proof };
      assert.notEqual(usualReportFrame(JSON.parse(JSON.stringify(value))), null);
      const parsed = parseAgentFrame(JSON.stringify(value));
      assert.equal(JSON.stringify(parsed), JSON.stringify(reportMessage.parse(value)));
    }
  });

  it('leaves to zod what it does not take, with the same errors as before', () => {
    const base = { type: 'report', seq: 1, report: { agentVersion: 'a', collectedAt: 'b', identity: {} }, mac: 'A'.repeat(43) };
    const refused = (value: unknown): string => {
      try {
        parseAgentFrame(JSON.stringify(value));
      } catch (error) {
        assert.ok(error instanceof ChannelError);
        return `${error.code}: ${error.message}`;
      }
      return 'accepted';
    };
    assert.equal(refused(base), 'accepted');
    // Members out of the schema's order: zod's, which accepts them and returns them reordered.
    const reordered = { mac: base.mac, report: { identity: {}, collectedAt: 'b', agentVersion: 'a' }, seq: 1, type: 'report' };
    assert.equal(usualReportFrame(JSON.parse(JSON.stringify(reordered))), null);
    assert.equal(JSON.stringify(parseAgentFrame(JSON.stringify(reordered))), JSON.stringify(base));
    assert.equal(
      refused({ ...base, report: { ...base.report, identity: { hostname: 'a\u202eb' } } }),
      `INVALID_MESSAGE: report: report.identity.hostname: must not contain control or bidirectional characters (found U+202E)`,
    );
    assert.equal(
      refused({ ...base, signature: 'x' }),
      'INVALID_MESSAGE: report: signature: a report carries a signature or a session MAC, one of the two',
    );
    assert.equal(refused({ ...base, report: { ...base.report, extra: 1 } }), 'INVALID_MESSAGE: report: report.extra: unknown field');
    assert.equal(refused({ ...base, seq: 0 }).startsWith('INVALID_MESSAGE: report: seq:'), true);
    assert.equal(
      refused({ ...base, report: { ...base.report, identity: { serialNumber: 'a\u0000b' } } }),
      'INVALID_MESSAGE: report: report.identity.serialNumber: must not contain U+0000',
    );
  });
});
