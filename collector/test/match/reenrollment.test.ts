import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { HoldingEndpoint, PendingClaimant } from '../../src/domain/reenrollment.js';
import { judgeEach, judgeReenrollments, rivalCounts } from '../../src/match/reenrollment.js';

/** The rules that decide which re-enrollments a bulk release may free (docs/enrollment-and-posture.md). */
const T0 = Date.UTC(2026, 11, 1, 9);
const HOUR = 3_600_000;

function holder(id: string, overrides: Partial<HoldingEndpoint> = {}): HoldingEndpoint {
  return {
    id,
    hostname: `${id}-host`,
    platform: 'macos',
    enrolledAt: T0 - 100 * HOUR,
    lastSeenAt: T0 - HOUR,
    blocked: false,
    releasedAt: null,
    approval: null,
    blockedTwins: [],
    holds: [
      { kind: 'hardwareUuid', value: `UUID-${id}` },
      { kind: 'serialNumber', value: `SERIAL-${id}` },
    ],
    ...overrides,
  };
}

function newcomer(id: string, of: HoldingEndpoint, overrides: Partial<PendingClaimant> = {}): PendingClaimant {
  return {
    id,
    hostname: of.hostname,
    platform: of.platform,
    enrolledAt: T0,
    lastSeenAt: T0 + HOUR,
    blocked: false,
    releasedAt: null,
    approval: 'pending',
    identifiers: Object.fromEntries(of.holds.map((h) => [h.kind, h.value])),
    claims: of.holds.map((h) => ({ ...h, heldBy: [of.id] })),
    ...overrides,
  };
}

const judge = (pending: PendingClaimant[], holders: HoldingEndpoint[], window = {}) =>
  judgeReenrollments(pending, new Map(holders.map((h) => [h.id, h])), window);
const reasons = (judged: ReturnType<typeof judge>) => Object.fromEntries(judged.skipped.map((s) => [s.newcomer.id, s.reason]));

describe('judgeReenrollments', () => {
  it('a silent predecessor whose strong identifiers the newcomer all reports is a candidate, with what a release frees', () => {
    const old = holder('ep_old');
    const judged = judge([newcomer('ep_new', old)], [old]);
    assert.deepEqual(judged.skipped, []);
    assert.equal(judged.candidates.length, 1);
    assert.equal(judged.candidates[0]?.predecessor.id, 'ep_old');
    assert.equal(judged.candidates[0]?.newcomer.id, 'ep_new');
    assert.deepEqual(judged.candidates[0]?.identifiers, old.holds);
  });

  it('skips, with the reason, every pair a careless bulk release could hand to a clone', () => {
    const reporting = holder('ep_reporting', { lastSeenAt: T0 + 5 * 60_000 });
    const sameInstant = holder('ep_same_instant', { lastSeenAt: T0 });
    const partial = holder('ep_partial');
    const windows = holder('ep_windows', { platform: 'windows' });
    const blocked = holder('ep_blocked', { blocked: true });
    const macOnly = holder('ep_mac_only', { holds: [] });
    const shared = holder('ep_shared');
    const a = holder('ep_a');
    const b = holder('ep_b');
    const judged = judge(
      [
        newcomer('n_reporting', reporting),
        newcomer('n_same_instant', sameInstant),
        // Claims only the serial: the predecessor's hardware UUID is not the newcomer's.
        newcomer('n_partial', partial, {
          identifiers: { serialNumber: 'SERIAL-ep_partial', hardwareUuid: 'OTHER' },
          claims: [{ kind: 'serialNumber', value: 'SERIAL-ep_partial', heldBy: ['ep_partial'] }],
        }),
        newcomer('n_platform', windows, { platform: 'macos' }),
        newcomer('n_blocked_holder', blocked),
        newcomer('n_mac', macOnly, { claims: [{ kind: 'macAddress', value: '02FC00000001', heldBy: ['ep_mac_only'] }] }),
        newcomer('n_twin_1', shared),
        newcomer('n_twin_2', shared, { enrolledAt: T0 + 1 }),
        newcomer('n_two_holders', a, { claims: [...newcomer('x', a).claims, ...newcomer('y', b).claims] }),
      ],
      [reporting, sameInstant, partial, windows, blocked, macOnly, shared, a, b],
    );
    assert.deepEqual(judged.candidates, []);
    assert.deepEqual(reasons(judged), {
      n_reporting: 'predecessor-still-reporting',
      n_same_instant: 'predecessor-still-reporting',
      n_partial: 'partial-overlap',
      n_platform: 'platform-mismatch',
      n_blocked_holder: 'predecessor-blocked',
      n_mac: 'no-strong-identifier',
      n_twin_1: 'several-newcomers',
      n_twin_2: 'several-newcomers',
      n_two_holders: 'several-holders',
    });
    const partialSkip = judged.skipped.find((s) => s.newcomer.id === 'n_partial');
    assert.match(partialSkip?.detail ?? '', /hardware UUID UUID-ep_partial/);
    assert.deepEqual(judged.skipped.find((s) => s.newcomer.id === 'n_two_holders')?.heldBy, ['ep_a', 'ep_b']);
  });

  it('a newcomer is listed only once its old key stayed silent for the quiet period after it enrolled', () => {
    const old = holder('ep_old');
    const pending = [newcomer('n_new', old)];
    const holders = new Map([[old.id, old]]);
    const early = judgeReenrollments(pending, holders, {}, { now: T0 + 29 * 60_000, ms: 30 * 60_000 });
    assert.deepEqual(early.candidates, []);
    assert.deepEqual(reasons(early), { n_new: 'too-recent' });
    assert.match(early.skipped[0]?.detail ?? '', /waits until 2026-12-01T09:30:00.000Z in case ep_old reports again/);
    const later = judgeReenrollments(pending, holders, {}, { now: T0 + 30 * 60_000, ms: 30 * 60_000 });
    assert.deepEqual(
      later.candidates.map((c) => c.newcomer.id),
      ['n_new'],
    );
  });

  it('skips a device a clone of which was blocked or denied before', () => {
    const old = holder('ep_old', { blockedTwins: ['ep_denied_clone'] });
    const judged = judge([newcomer('n_second_clone', old)], [old]);
    assert.deepEqual(judged.candidates, []);
    assert.deepEqual(reasons(judged), { n_second_clone: 'clone-seen' });
    assert.match(judged.skipped[0]?.detail ?? '', /ep_denied_clone, blocked or denied, also reported identifiers ep_old holds/);
  });

  it('says a released predecessor was released, not that an administrator has to decide', () => {
    const released = holder('ep_released', { blocked: true, releasedAt: T0 - HOUR });
    const judged = judge([newcomer('n_new', released)], [released]);
    assert.deepEqual(reasons(judged), { n_new: 'predecessor-blocked' });
    assert.match(judged.skipped[0]?.detail ?? '', /ep_released was released/);
  });

  it('judges only newcomers enrolled inside the window, yet a rival outside it still makes the predecessor ambiguous', () => {
    const early = holder('ep_early');
    const late = holder('ep_late');
    const contested = holder('ep_contested');
    const pending = [
      newcomer('n_early', early, { enrolledAt: T0 - 10 * 60_000 }),
      newcomer('n_late', late, { enrolledAt: T0 + 10 * 60_000 }),
      newcomer('n_contested_old', contested, { enrolledAt: T0 - 20 * 60_000 }),
      newcomer('n_contested_new', contested, { enrolledAt: T0 + 20 * 60_000 }),
    ];
    const judged = judge(pending, [early, late, contested], { enrolledAfter: T0 });
    assert.deepEqual(
      judged.candidates.map((c) => c.newcomer.id),
      ['n_late'],
    );
    assert.deepEqual(reasons(judged), { n_contested_new: 'several-newcomers' });
    const before = judge(pending, [early, late, contested], { enrolledBefore: T0 });
    assert.deepEqual(
      before.candidates.map((c) => c.newcomer.id),
      ['n_early'],
    );
  });

  it('skips a newcomer whose predecessor is gone, pending itself, or that is blocked itself', () => {
    const pendingHolder = holder('ep_pending', { approval: 'pending' });
    const gone = holder('ep_gone');
    const fine = holder('ep_fine');
    const judged = judge(
      [
        newcomer('n_gone', gone),
        newcomer('n_no_claim', fine, { claims: [] }),
        newcomer('n_chain', pendingHolder),
        newcomer('n_blocked', fine, { blocked: true }),
      ],
      [pendingHolder, fine],
    );
    assert.deepEqual(reasons(judged), {
      n_gone: 'predecessor-gone',
      n_no_claim: 'predecessor-gone',
      n_chain: 'predecessor-pending',
      n_blocked: 'newcomer-blocked',
    });
  });
});

describe('judgeEach', () => {
  it('judges a subset of the pending set as the whole set judges it, given the rivals counted among all', () => {
    const a = holder('ep_a');
    const b = holder('ep_b');
    const c = holder('ep_c');
    const pending = [
      newcomer('ep_a1', a),
      newcomer('ep_b1', b, { enrolledAt: T0 + 1 }),
      newcomer('ep_b2', b, { enrolledAt: T0 + 2 }),
      newcomer('ep_c1', c, { enrolledAt: T0 + 3, platform: 'linux' }),
    ];
    const holders = new Map([a, b, c].map((h) => [h.id, h]));
    const whole = judgeReenrollments(pending, holders);
    const subset = pending.filter((p) => p.id !== 'ep_b2');
    const judged = judgeEach(subset, holders, rivalCounts(pending));
    const asked = new Set(subset.map((p) => p.id));
    assert.deepEqual(judged, {
      candidates: whole.candidates.filter((x) => asked.has(x.newcomer.id)),
      skipped: whole.skipped.filter((x) => asked.has(x.newcomer.id)),
    });
    assert.deepEqual(reasons(judged), { ep_b1: 'several-newcomers', ep_c1: 'platform-mismatch' });
    // Its rivals counted among the subset alone, ep_b1 would look like the device.
    assert.equal(judgeEach(subset, holders, rivalCounts(subset)).candidates.length, 2);
  });
});
