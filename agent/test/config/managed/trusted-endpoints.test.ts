import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { sanitizeManaged } from '@devtrust/agent/config/managed/index';
import { settingsFromRegValues } from '@devtrust/agent/config/managed/windows';
import type { RegValue } from '@devtrust/agent/platform/reg-query';
import { Agent } from '@devtrust/agent/core/agent';
import type { ManagedSettings } from '@devtrust/agent/config/managed/types';
import { pino } from 'pino';

const KEY = 'dtc_8Qv0m0eYHc3mX2tJmTqk2oJd2pXH3c3r2F4Zy6d2N9k';

describe('managed settings: the trusted endpoint key and identifier', () => {
  it('keeps both from a profile or the registry (value names in any case)', () => {
    assert.deepEqual(
      sanitizeManaged({ trustedEndpointsKey: ` ${KEY} `, trustedEndpointIdentifier: '705c034c-034c-705c-4c03-000000000000' }),
      {
        trustedEndpointsKey: KEY,
        trustedEndpointIdentifier: '705c034c-034c-705c-4c03-000000000000',
      },
    );
    const values = new Map<string, RegValue>([
      ['TRUSTEDENDPOINTSKEY', { type: 'REG_SZ', value: KEY }],
      ['trustedendpointidentifier', { type: 'REG_SZ', value: '{5A1E0000-0000-4000-8000-000000000000}' }],
    ]);
    assert.deepEqual(sanitizeManaged(settingsFromRegValues(values)), {
      trustedEndpointsKey: KEY,
      trustedEndpointIdentifier: '{5A1E0000-0000-4000-8000-000000000000}',
    });
  });

  // The collector closes a session whose report carries an identifier it refuses: such a value
  // is dropped here, costing the asserted level, never the agent's session.
  for (const [what, value] of [
    ['a space', 'device 42'],
    ['a bidi override', 'ab\u202Ecd'],
    ['a newline', 'ab\ncd'],
    ['non-ASCII', 'gerät-42'],
    ['257 characters', 'A'.repeat(257)],
  ] as const) {
    it(`drops an identifier with ${what}`, () => {
      assert.deepEqual(sanitizeManaged({ trustedEndpointsKey: KEY, trustedEndpointIdentifier: value }), { trustedEndpointsKey: KEY });
    });
  }

  it('ignores values of the wrong type', () => {
    assert.deepEqual(sanitizeManaged({ trustedEndpointsKey: 42, trustedEndpointIdentifier: ['x'] }), {});
  });
});

describe('the agent says at start why trusted endpoint settings will not assert', () => {
  const warningsFor = (managed: ManagedSettings): string[] => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const config = {
      collectorUrl: 'http://127.0.0.1:9',
      enrollmentKey: null,
      dataDir: '/nonexistent',
      loopbackPort: null,
      identityFile: null,
      once: false,
      logLevel: 'warn',
      managedKeys: Object.keys(managed),
      managed,
    };
    new Agent(config, { log });
    return lines.map((line) => JSON.parse(line).msg as string);
  };

  it('one of the pair missing, an unfilled variable; never the key itself', () => {
    assert.deepEqual(warningsFor({ trustedEndpointsKey: KEY }), [
      'managed settings hold only one of the trusted endpoint settings: no MDM-asserted identity is reported',
    ]);
    const unfilled = warningsFor({ trustedEndpointsKey: KEY, trustedEndpointIdentifier: '{DeviceUid}' });
    assert.deepEqual(unfilled, ['the MDM did not fill in its device ID variable in trustedEndpointIdentifier']);
    assert.deepEqual(warningsFor({ trustedEndpointsKey: KEY, trustedEndpointIdentifier: '705c034c-034c-705c-4c03-000000000000' }), []);
  });
});
