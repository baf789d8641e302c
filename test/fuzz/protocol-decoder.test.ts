import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { canonicalJson } from '@devtrust/shared/crypto';
import { firstUnstorableText } from '@devtrust/shared/identity';
import { CHANNEL_ERRORS, ChannelError, parseAgentFrame, signedPayloadOf, type UnsignedAgentMessage } from '@devtrust/shared/protocol';
import { hostileJsonText, hostileString, mutatedRecordText, RUNS } from './hostile.js';

/**
 * The agent-channel decoder against hostile frames: whatever arrives, it returns a message
 * or throws a ChannelError whose code closes the socket with 4400 (a protocol error); it
 * never throws anything else (which the session would turn into 1011 "internal error"),
 * and what it accepts holds no text a database cannot store and can be signed over.
 */

const SEEDS: Record<string, unknown>[] = [
  { type: 'enroll', v: 1, enrollmentKey: 'dte_key', publicKey: 'A'.repeat(43), signature: 'sig' },
  { type: 'auth', v: 1, endpointId: 'ep_1', signature: 'sig' },
  {
    type: 'report',
    seq: 1,
    report: {
      agentVersion: '1.0.0',
      collectedAt: '2026-11-30T08:00:00Z',
      identity: {
        platform: 'windows',
        serialNumber: 'C02XG2JHJG5H',
        hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E4D32',
        machineGuid: '0f4d7f2b-2d1f-4a43-9a5e-2b3c4d5e6f70',
        hostname: 'alice-laptop',
        macAddresses: ['02:fc:00:00:00:01'],
        edr: [{ vendor: 'crowdstrike', connectorId: 'abc' }],
      },
      posture: { diskEncryption: true, firewall: false, osBuild: '22631' },
      probeErrors: { serialNumber: 'needs root' },
      user: 'alice',
    },
    signature: 'sig',
  },
  { type: 'attest', transactionId: 'tx_1', signature: 'sig' },
  { type: 'describe', transactionId: 'tx_1', signature: 'sig' },
  { type: 'check', signature: 'sig' },
];

/** The property: a decoded message, or a protocol error with its close code; nothing else. */
function decodesCleanly(frame: string): void {
  let message;
  try {
    message = parseAgentFrame(frame);
  } catch (error) {
    assert.ok(
      error instanceof ChannelError,
      `an untyped ${String((error as Error)?.name)}: ${String((error as Error)?.message).slice(0, 200)}`,
    );
    const known = CHANNEL_ERRORS[error.code as keyof typeof CHANNEL_ERRORS];
    assert.ok(known, `code ${error.code} has no close code`);
    assert.equal(known.close, 4400, `${error.code} closes with ${known.close}`);
    return;
  }
  assert.equal(firstUnstorableText(message), null, 'an accepted message holds NUL or a lone surrogate');
  // The session verifies the signature over this encoding: it must not throw either.
  const payload = signedPayloadOf(message as UnsignedAgentMessage, { nonce: 'n', endpointId: 'ep_1' });
  assert.equal(typeof canonicalJson(payload), 'string');
}

describe('the agent protocol decoder against hostile frames', () => {
  it(`any text at all (${RUNS} frames)`, () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, hostileJsonText), (frame) => decodesCleanly(frame)),
      { numRuns: RUNS },
    );
  });

  it(`each message type with hostile values in its fields (${RUNS} frames)`, () => {
    fc.assert(
      fc.property(fc.oneof(...SEEDS.map((seed) => mutatedRecordText(seed))), (frame) => decodesCleanly(frame)),
      { numRuns: RUNS },
    );
  });

  it(`a well-typed report with hostile text in every string (${RUNS} frames)`, () => {
    // Strings only, so most frames pass the type checks and reach the text rules.
    const report = SEEDS[2]!;
    const strings = fc.dictionary(
      fc.constantFrom('serialNumber', 'hardwareUuid', 'machineGuid', 'hostname', 'user', 'osBuild'),
      hostileString,
    );
    fc.assert(
      fc.property(strings, (values) => {
        const frame = structuredClone(report) as any;
        for (const [name, value] of Object.entries(values)) {
          if (name === 'user') frame.report.user = value;
          else if (name === 'osBuild') frame.report.posture.osBuild = value;
          else frame.report.identity[name] = value;
        }
        decodesCleanly(JSON.stringify(frame));
      }),
      { numRuns: RUNS },
    );
  });
});
