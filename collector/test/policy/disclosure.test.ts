import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { decide } from '@devtrust/collector/policy/decide';
import { discloseVerdict, shortReason } from '@devtrust/collector/policy/disclosure';
import { DEFAULT_POLICY } from '@devtrust/collector/domain/policy';
import { NO_AGENT_REASON, PENDING_APPROVAL_REASON } from '@devtrust/collector/domain/verdict';
import type { Endpoint } from '@devtrust/collector/domain/endpoint';
import { pendingApprovalMatch } from '@devtrust/collector/match/approval';
import type { MatchResult } from '@devtrust/collector/match/match';
import { denialDescription } from '@devtrust/collector/oidc/device-trust';

const matched = {
  trusted: true,
  match: null,
  reasons: [
    'trusted: serial number PF2SECRET matches record "LAPTOP-X" of integration "Acme MDM" (csv)',
    'integration "Old" (csv) not applied: the integration is disabled',
  ],
  flags: [],
};

describe('what an application and its users are told of a verdict', () => {
  it('summary: the decision table headline only, whatever the other reasons hold', () => {
    const verdict = decide({
      policy: { ...DEFAULT_POLICY, trustedEndpoints: 'require-trusted' },
      blocked: false,
      match: matched,
      edr: null,
    });
    const shown = discloseVerdict('summary', verdict, 'tx_1');
    // The assurance level is a fixed word applications may require, so it is kept.
    assert.deepEqual(shown, {
      verdict: 'trusted',
      access: 'allow',
      reasons: ['allowed: trusted device'],
      reference: 'tx_1',
      assurance: 'identifiers',
    });
    assert.deepEqual(discloseVerdict('full', verdict, 'tx_1').reasons, verdict.reasons);
  });

  it('a blocked endpoint says so, naming nothing else', () => {
    const verdict = decide({ policy: DEFAULT_POLICY, blocked: true, match: matched, edr: null });
    assert.equal(shortReason(verdict), 'denied: an administrator blocked this endpoint');
  });

  it('a failed health check names the failing rules, never their sources', () => {
    const policy = { ...DEFAULT_POLICY, trustedEndpoints: 'require-trusted' as const, requireDiskEncryption: true };
    const verdict = decide({ policy, blocked: false, match: matched, edr: null, device: null });
    assert.equal(shortReason(verdict), 'denied: the device fails a required health check (requireDiskEncryption)');
  });

  it('a reason list not made by decide (a stored verdict from elsewhere) gives the generic words, not its text', () => {
    assert.equal(
      shortReason({ verdict: 'untrusted', access: 'deny', reasons: ['serial PF2SECRET is not in "Acme MDM"'] }),
      'denied by policy',
    );
    assert.equal(shortReason({ verdict: 'trusted', access: 'allow', reasons: [] }), 'allowed by policy');
  });

  it('without an agent, the fixed "no agent attested" reason is kept: the user can act on it', () => {
    const verdict = decide({
      policy: { ...DEFAULT_POLICY, trustedEndpoints: 'require-trusted' },
      blocked: false,
      match: { trusted: false, match: null, reasons: [NO_AGENT_REASON], flags: [] },
      edr: null,
    });
    assert.deepEqual(discloseVerdict('summary', verdict, 'tx_2').reasons, [
      'denied: policy require-trusted and the device is not trusted',
      NO_AGENT_REASON,
    ]);
  });

  it('pending approval: the fixed "waits for your IT team" reason is kept (what to ask for), never the claims it names', () => {
    const pending = pendingApprovalMatch({
      approval: 'pending',
      approvalClaims: [{ kind: 'serialNumber', value: 'PF2SECRET', heldBy: ['ep_old'] }],
    } as unknown as Endpoint) as MatchResult;
    const verdict = decide({
      policy: { ...DEFAULT_POLICY, trustedEndpoints: 'require-trusted' },
      blocked: false,
      match: pending,
      edr: null,
    });
    assert.deepEqual(discloseVerdict('summary', verdict, 'tx_3').reasons, [
      'denied: policy require-trusted and the device is not trusted',
      PENDING_APPROVAL_REASON,
    ]);
    assert.match(PENDING_APPROVAL_REASON, /ask them to release the old endpoint/);
    assert.ok(
      verdict.reasons.some((r) => r.includes('PF2SECRET (held by ep_old)')),
      'admins (full) still see the claims',
    );
  });
});

describe('error_description for a denial', () => {
  it('keeps the reference whole however long the reasons, in printable ASCII', () => {
    const text = denialDescription([`denied: "${'x'.repeat(600)}"`, 'second'], 'tx_abc-DEF_123');
    assert.equal(text.length, 500);
    assert.ok(text.endsWith(' (reference tx_abc-DEF_123)'));
    assert.match(text, /^denied: 'x+ \(reference tx_abc-DEF_123\)$/);
    assert.equal(denialDescription(['denied: café'], 'tx_1'), 'denied: caf? (reference tx_1)');
  });
});
