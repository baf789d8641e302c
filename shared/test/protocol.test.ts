import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ChannelError, parseAgentFrame, signedPayloadOf } from '@devtrust/shared/protocol';

describe('parseAgentFrame', () => {
  const cases: [string, string, RegExp | null][] = [
    ['{"type":"auth",', 'MALFORMED_FRAME', null],
    ['"auth"', 'MALFORMED_FRAME', null],
    ['{"type":"hello"}', 'UNKNOWN_MESSAGE', /"hello"/],
    ['{"type":"auth","v":1,"endpointId":5,"signature":"s"}', 'INVALID_MESSAGE', /auth: endpointId:/],
    ['{"type":"auth","v":1,"endpointId":"e","signature":"s","x":1}', 'INVALID_MESSAGE', /x: unknown field/],
    ['{"type":"enroll","v":9,"enrollmentKey":"k","publicKey":"p","signature":"s"}', 'UNSUPPORTED_VERSION', /version 9/],
    ['{"type":"report","seq":-1,"report":{},"signature":"s"}', 'INVALID_MESSAGE', /seq/],
    // Found by test/fuzz/protocol-decoder.test.ts: String() of this version threw a TypeError (close 1011).
    [
      '{"type":"enroll","v":{"toString":""},"enrollmentKey":"k","publicKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","signature":"s"}',
      'UNSUPPORTED_VERSION',
      /version \{"toString":""\}/,
    ],
  ];
  for (const [frame, code, message] of cases) {
    it(`${frame} → ${code}`, () => {
      assert.throws(
        () => parseAgentFrame(frame),
        (error: unknown) => error instanceof ChannelError && error.code === code && (message === null || message.test(error.message)),
      );
    });
  }
  it('accepts a well-formed attestation', () => {
    assert.deepEqual(parseAgentFrame('{"type":"attest","transactionId":"tx_1","signature":"s"}'), {
      type: 'attest',
      transactionId: 'tx_1',
      signature: 's',
    });
  });
});

describe('signedPayloadOf', () => {
  it('binds the nonce and endpoint, and never signs the enrollment key itself', () => {
    assert.deepEqual(signedPayloadOf({ type: 'attest', transactionId: 'tx' }, { nonce: 'n', endpointId: 'ep' }), {
      type: 'attest',
      transactionId: 'tx',
      nonce: 'n',
      endpointId: 'ep',
    });
    const enroll = signedPayloadOf({ type: 'enroll', v: 1, enrollmentKey: 'secret', publicKey: 'pk' }, { nonce: 'n' });
    assert.equal('enrollmentKey' in enroll, false);
    assert.equal('endpointId' in enroll, false);
  });
  it('covers every other member as sent, less the signature or MAC, with the context over any member of the same name', () => {
    const report = { agentVersion: 'a', collectedAt: 'b', identity: {} };
    const message = { type: 'report', seq: 3, report, mac: 'm', signature: 's', nonce: 'theirs', endpointId: 'theirs' };
    const payload = signedPayloadOf(message as never, { nonce: 'n', endpointId: 'ep' });
    assert.deepEqual(payload, { type: 'report', seq: 3, report, nonce: 'n', endpointId: 'ep' });
    assert.equal(payload.report, report);
    assert.deepEqual(message, { type: 'report', seq: 3, report, mac: 'm', signature: 's', nonce: 'theirs', endpointId: 'theirs' });
  });
});
