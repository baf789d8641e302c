import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { approveCaution, releaseCaution } from '@devtrust/collector/match/release-caution';

/** What releasing or approving an endpoint risks (match/release-caution.ts): the judgement devtrustctl and the console both show. */
describe('releaseCaution', () => {
  const T = Date.UTC(2026, 11, 1, 9, 0, 0);
  const holder = { id: 'ep_old', hostname: 'wks-1', blocked: false, releasedAt: null, lastSeenAt: T - 60_000 };
  const one = { count: 1, first: [{ id: 'ep_new', hostname: 'wks-1', enrolledAt: T }] };
  const three = {
    count: 3,
    first: [
      { id: 'ep_new', hostname: null, enrolledAt: T },
      { id: 'ep_b', hostname: null, enrolledAt: T + 1 },
    ],
  };

  it('says nothing for a re-imaged laptop: quiet since before its new key enrolled', () => {
    assert.equal(releaseCaution(holder, one), null);
    assert.equal(releaseCaution({ ...holder, lastSeenAt: T - 1 }, one), null);
    // A report in the very millisecond the new key enrolled counts as after it, as the bulk release counts it.
    assert.equal(releaseCaution({ ...holder, lastSeenAt: T }, one)?.reason, 'holder-still-reporting');
  });

  it('a holder connected now is in use, though its last report came before the copy enrolled (agents report every 15 minutes)', () => {
    const caution = releaseCaution(holder, one, { connected: true });
    assert.equal(caution?.reason, 'holder-still-reporting');
    assert.match(
      caution?.message ?? '',
      /^ep_old "wks-1" is connected now \(its agent reports every 15 minutes; its last report came before ep_new "wks-1" enrolled on its identifiers\) \(last seen /,
    );
    assert.equal(releaseCaution(holder, one, { connected: false }), null);
  });

  it('says nothing when nothing waits on it, or it is released already', () => {
    assert.equal(releaseCaution({ ...holder, lastSeenAt: T + 5 }, { count: 0, first: [] }), null);
    assert.equal(releaseCaution({ ...holder, blocked: true, releasedAt: T - 1 }, one), null);
  });

  it('a holder reporting after the first waiter enrolled may be the real device; the one approved is named', () => {
    const caution = releaseCaution({ ...holder, lastSeenAt: T + 1_000 }, three, { approves: ['ep_new'] });
    assert.equal(caution?.reason, 'holder-still-reporting');
    assert.equal(
      caution?.message,
      'ep_old "wks-1" has reported since ep_new enrolled on its identifiers (last seen 2026-12-01 09:00:01 UTC, ep_new enrolled 2026-12-01 09:00:00 UTC): ' +
        'it may be the real device, still in use, and ep_new and 2 more a copy of its disk image. Releasing it retires its key for good and approves ep_new. ' +
        'A copy: give it identifiers of its own (a new MachineGuid; for a virtual machine a new serial number and hardware UUID too) and approve it, or deny it. ' +
        'Release it only if it is the old key of a device re-imaged or reinstalled, after denying any copy waiting on it.',
    );
  });

  it('a blocked holder: what waits may be a lost or stolen device’s reinstall, whenever it last reported', () => {
    const caution = releaseCaution({ ...holder, blocked: true }, one, { approves: ['ep_new'] });
    assert.equal(caution?.reason, 'holder-blocked');
    assert.equal(
      caution?.message,
      'ep_old "wks-1" is blocked, and ep_new "wks-1" waits on its identifiers: releasing it frees them and approves ep_new. ' +
        'If it was blocked because the device was lost or stolen, deny ep_new instead; release it only if the device was recovered and re-imaged.',
    );
    assert.match(
      releaseCaution({ ...holder, blocked: true }, three)?.message ?? '',
      /ep_new and 2 more wait on its identifiers.+deny them instead/,
    );
  });
});

describe('releaseCaution: whom it approves, and an endpoint that is itself pending', () => {
  const T = Date.UTC(2026, 11, 1, 9, 0, 0);
  const holder = { id: 'ep_old', hostname: null, blocked: true, releasedAt: null, lastSeenAt: T - 60_000 };
  const waiting = { count: 2, first: [{ id: 'ep_a', hostname: null, enrolledAt: T }] };

  it('names whom the release would approve, none, or (not worked out) the rule', () => {
    assert.match(
      releaseCaution(holder, waiting, { approves: ['ep_b', 'ep_c'] })?.message ?? '',
      /frees them and approves ep_b and 1 more\./,
    );
    assert.match(
      releaseCaution(holder, waiting, { approves: [] })?.message ?? '',
      /approves none of them \(each still waits on another endpoint, or on one forgotten\)/,
    );
    assert.match(releaseCaution(holder, waiting)?.message ?? '', /approves the first of them to enroll that nobody else holds against/);
  });

  it('a pending endpoint released would only retire the new key: release what it waits on instead', () => {
    const pending = { id: 'ep_new', hostname: 'wks-3', blocked: false, releasedAt: null, lastSeenAt: T, approval: 'pending' as const };
    const caution = releaseCaution(pending, { count: 0, first: [] }, { waitsOn: ['ep_old'] });
    assert.equal(caution?.reason, 'endpoint-pending');
    assert.equal(
      caution?.message,
      'ep_new "wks-3" is itself waiting for approval: it holds no identifiers, and releasing it only retires its own key for good. ' +
        'If it is a re-imaged or reinstalled device’s new key, release the endpoint it waits on instead (ep_old); to refuse it, deny it.'.replace(
          '’',
          "'",
        ),
    );
  });
});

describe('approveCaution', () => {
  const claims = [
    { kind: 'serialNumber' as const, value: 'C02X', heldBy: ['ep_stolen'] },
    { kind: 'machineGuid' as const, value: 'ABCD', heldBy: ['ep_stolen', 'ep_other'] },
  ];
  const endpoint = (id: string, blocked: boolean, releasedAt: number | null = null) => ({
    id,
    hostname: 'wks',
    blocked,
    releasedAt,
    lastSeenAt: 0,
  });

  it('a blocked holder of what it reports now: the thief reinstalling the agent, approved', () => {
    const caution = approveCaution(
      claims,
      new Map([
        ['ep_stolen', endpoint('ep_stolen', true)],
        ['ep_other', endpoint('ep_other', false)],
      ]),
    );
    assert.equal(caution?.reason, 'holder-blocked');
    assert.equal(
      caution?.message,
      'ep_stolen "wks" holds serial number C02X, MachineGuid ABCD and is blocked: approving this endpoint trusts it through them. ' +
        'If ep_stolen was blocked because the device was lost or stolen, this may be the thief reinstalling the agent: deny it. Approve it only if the device was recovered.',
    );
  });

  it('nothing for holders in use, released ones, unknown ones, or no claims', () => {
    assert.equal(approveCaution(claims, new Map([['ep_stolen', endpoint('ep_stolen', false)]])), null);
    assert.equal(approveCaution(claims, new Map([['ep_stolen', endpoint('ep_stolen', true, 1)]])), null);
    assert.equal(approveCaution(claims, new Map()), null);
    assert.equal(approveCaution([], new Map([['ep_stolen', endpoint('ep_stolen', true)]])), null);
  });
});
