import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateDeviceKey, mdmAssertionProof, mdmAssertionVerifies, randomToken } from '@devtrust/shared/crypto';
import { normalizeMdmDeviceId } from '@devtrust/shared/identity';
import { ChannelError, parseAgentFrame } from '@devtrust/shared/protocol';

const key = randomToken('dtc');
const device = generateDeviceKey();

function reportFrame(identity: Record<string, unknown>, mdmAssertion?: unknown): string {
  const report = { agentVersion: '1', collectedAt: '2026-12-01T00:00:00Z', identity, ...(mdmAssertion ? { mdmAssertion } : {}) };
  return JSON.stringify({ type: 'report', seq: 1, report, signature: 'sig' });
}

const codeOf = (frame: string): string => {
  try {
    parseAgentFrame(frame);
    return 'accepted';
  } catch (error) {
    return (error as ChannelError).code;
  }
};

describe('MDM assertion proof', () => {
  const proof = mdmAssertionProof(key, 'DEVICE-1', device.publicKey);

  it('verifies for the same key, device ID and device key only', () => {
    assert.match(proof, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(mdmAssertionVerifies(key, 'DEVICE-1', device.publicKey, proof), true);
    assert.equal(mdmAssertionVerifies(randomToken('dtc'), 'DEVICE-1', device.publicKey, proof), false);
    assert.equal(mdmAssertionVerifies(key, 'DEVICE-2', device.publicKey, proof), false);
    assert.equal(mdmAssertionVerifies(key, 'DEVICE-1', generateDeviceKey().publicKey, proof), false);
    assert.equal(mdmAssertionVerifies(key, 'DEVICE-1', device.publicKey, 'short'), false);
  });

  it('normalises device IDs like identifiers; unfilled variables and zeros are none', () => {
    assert.equal(normalizeMdmDeviceId('{705c034c-034c-705c-4c03-000000000000}'), '705C034C034C705C4C03000000000000');
    for (const raw of [
      '{DeviceUid}',
      '$DEVICE_UUID$',
      '{{DeviceId}}',
      '$UDID',
      '%DeviceId%',
      '00000000-0000-0000-0000-000000000000',
      '',
      'A'.repeat(257),
      // What the wire could never carry (found by test/fuzz/vendor-mappers.test.ts): a lone
      // surrogate PostgreSQL refuses to store, a control character, non-ASCII letters.
      '\ud83dx',
      'AB\u0007CD',
      'ÄBC123',
    ])
      assert.equal(normalizeMdmDeviceId(raw), null, raw);
  });
});

describe('the report protocol and MDM assertions', () => {
  const assertion = { deviceId: 'DEVICE-1', proof: mdmAssertionProof(key, 'DEVICE-1', device.publicKey) };

  it('accepts a desktop report with or without an assertion, and a mobile report with one', () => {
    assert.equal(codeOf(reportFrame({ platform: 'macos', serialNumber: 'C02X' }, assertion)), 'accepted');
    assert.equal(codeOf(reportFrame({ platform: 'windows', serialNumber: 'C02X' })), 'accepted');
    assert.equal(codeOf(reportFrame({ platform: 'ios', osVersion: '17.5' }, assertion)), 'accepted');
  });

  it('refuses a mobile report with hardware identifiers or without the assertion', () => {
    assert.equal(codeOf(reportFrame({ platform: 'android', machineGuid: 'x' }, assertion)), 'MOBILE_REPORT_INVALID');
    assert.equal(codeOf(reportFrame({ platform: 'ios', edr: [] }, assertion)), 'MOBILE_REPORT_INVALID');
    assert.equal(codeOf(reportFrame({ platform: 'ios' })), 'MOBILE_REPORT_INVALID');
  });

  it('refuses malformed assertions: bad proof, empty, spaced, bidi or long IDs, extra fields', () => {
    for (const bad of [
      { ...assertion, proof: 'x'.repeat(42) },
      { ...assertion, deviceId: '' },
      { ...assertion, deviceId: 'a b' },
      { ...assertion, deviceId: 'ab\u202Ecd' },
      { ...assertion, deviceId: 'A'.repeat(257) },
      { ...assertion, key },
    ])
      assert.equal(codeOf(reportFrame({ platform: 'macos' }, bad)), 'INVALID_MESSAGE', JSON.stringify(bad));
  });
});
