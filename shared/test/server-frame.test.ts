import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { asServerMessage, parseServerFrame, serverMessage } from '@devtrust/shared/protocol';

/**
 * The agent checks collector frames with server-frame.ts, without zod; the collector's side of
 * the contract is the `serverMessage` zod schema. Both must accept and refuse the same frames:
 * every field of every message type, removed, replaced by each kind of wrong value and by
 * values at and past each limit, plus an unknown field, must get the same answer from both.
 */

const VALID: Record<string, Record<string, unknown>> = {
  hello: { type: 'hello', v: 1, nonce: 'n0nce', maxFrameBytes: 65536 },
  enrolled: { type: 'enrolled', endpointId: 'ep_1' },
  authenticated: {
    type: 'authenticated',
    endpointId: 'ep_1',
    lastSeq: 0,
    reportIntervalSec: 300,
    sessionKey: 'A'.repeat(42) + 'w',
  },
  ack: { type: 'ack', seq: 7 },
  verdict: { type: 'verdict', transactionId: 'tx_1', verdict: 'trusted', access: 'allow', reasons: [], assurance: 'identifiers' },
  transaction: { type: 'transaction', transactionId: 'tx_1', application: 'Payroll', username: 'alice', expiresAt: '2026-11-30T12:00:00Z' },
  standing: { type: 'standing', verdict: 'untrusted', access: 'deny', reasons: ['no inventory has this device'] },
  error: { type: 'error', code: 'RATE_LIMITED', message: 'slow down', transactionId: 'tx_1' },
};

const text = (length: number) => 'x'.repeat(length);

/** Values that each field is tried with: wrong kinds, and lengths and numbers around every limit. */
const PROBES: unknown[] = [
  undefined,
  null,
  true,
  {},
  [],
  '',
  'x',
  text(40),
  text(41),
  text(42),
  text(43),
  text(44),
  'x'.repeat(42) + '+',
  text(64),
  text(65),
  text(200),
  text(201),
  text(256),
  text(257),
  text(1000),
  0,
  1,
  2,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  'trusted',
  'untrusted',
  'allow',
  'deny',
  'mdm_asserted',
  'identifiers',
  'TRUSTED',
  [text(1000)],
  [text(1001)],
  Array.from({ length: 64 }, () => 'r'),
  Array.from({ length: 65 }, () => 'r'),
  ['ok', 5],
];

function variants(): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [type, frame] of Object.entries(VALID)) {
    out.push([`${type} as sent`, frame]);
    out.push([`${type} with an unknown field`, { ...frame, extra: 1 }]);
    out.push([`${type} as an array`, [frame]]);
    for (const key of [...Object.keys(frame), 'transactionId', 'assurance']) {
      const { [key]: _removed, ...without } = frame;
      out.push([`${type} without ${key}`, without]);
      for (const [index, value] of PROBES.entries()) out.push([`${type} with ${key} = probe ${index}`, { ...frame, [key]: value }]);
    }
  }
  for (const root of [null, 'hello', 5, [], {}, { type: 'welcome' }, { type: 5 }, { type: 'toString' }, { type: '__proto__' }])
    out.push([`root ${JSON.stringify(root)}`, root]);
  return out;
}

describe('server frames without zod (server-frame.ts)', () => {
  it('accepts and refuses exactly the frames the serverMessage schema does', () => {
    const cases = variants();
    let accepted = 0;
    for (const [name, value] of cases) {
      const schema = serverMessage.safeParse(value);
      const mine = asServerMessage(value);
      assert.equal(mine !== null, schema.success, `${name}: zod ${schema.success ? 'accepts' : 'refuses'} ${JSON.stringify(value)}`);
      if (schema.success) {
        accepted++;
        assert.deepEqual(JSON.parse(JSON.stringify(mine)), JSON.parse(JSON.stringify(schema.data)), name);
      }
    }
    // The table holds both answers in numbers: a check that refused everything would fail above, but say it here too.
    assert.ok(accepted > 50 && accepted < cases.length - 500, `${accepted} of ${cases.length} accepted`);
  });

  it('reads JSON text: refuses what is not JSON, and an own __proto__ field like any unknown field', () => {
    assert.deepEqual(parseServerFrame('{"type":"ack","seq":3}'), { type: 'ack', seq: 3 });
    assert.equal(parseServerFrame('{"type":"ack",'), null);
    assert.equal(parseServerFrame(''), null);
    const polluted = '{"type":"ack","seq":3,"__proto__":{"seq":4}}';
    assert.equal(serverMessage.safeParse(JSON.parse(polluted)).success, false);
    assert.equal(parseServerFrame(polluted), null);
  });
});
