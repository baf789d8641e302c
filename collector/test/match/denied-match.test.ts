import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { deniedMatch } from '@devtrust/collector/match/approval';
import type { Endpoint } from '@devtrust/collector/domain/endpoint';

/**
 * A denied endpoint's match (match/approval.ts): its claims never count, so it is no duplicate of
 * the endpoint holding what it reports, whose own match stays trusted through the same values.
 */
describe('deniedMatch', () => {
  const denied = {
    approval: 'denied',
    approvalClaims: [
      { kind: 'hardwareUuid', value: 'AAAA', heldBy: ['ep_real'] },
      { kind: 'serialNumber', value: 'C02X', heldBy: ['ep_real'] },
    ],
  } as unknown as Endpoint;

  it('untrusted, naming what it claimed and who holds it; no duplicate flag', () => {
    assert.deepEqual(deniedMatch(denied), {
      trusted: false,
      match: null,
      reasons: [
        'untrusted: an administrator denied this endpoint, which reported hardware UUID AAAA (held by ep_real); serial number C02X (held by ep_real) when it enrolled; what it reports is not used to trust it, and does not affect the endpoint holding them',
      ],
      flags: [],
      explainsBlock: false,
    });
  });

  it('denied, and so blocked: one reason says both (no second "an administrator blocked this endpoint")', () => {
    const blocked = deniedMatch({ ...denied, blocked: true } as unknown as Endpoint);
    assert.equal(blocked?.reasons.length, 1);
    assert.match(
      blocked?.reasons[0] as string,
      /^untrusted: an administrator denied this endpoint, which reported .* when it enrolled; what it reports is not used to trust it, and does not affect the endpoint holding them; denied, it is blocked: every sign-in from it is denied$/,
    );
    assert.equal(blocked?.explainsBlock, true);
  });

  it('nothing for an endpoint that is not denied: it is matched as any other', () => {
    for (const approval of [null, 'pending', 'approved']) assert.equal(deniedMatch({ ...denied, approval } as unknown as Endpoint), null);
  });
});
