import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { releaseCaution } from '@devtrust/collector/match/release-caution';

/** What releasing a holder risks (match/release-caution.ts), the judgement devtrustctl and the console both show. */
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
    // Its last report in the very millisecond the new key enrolled: not after it.
    assert.equal(releaseCaution({ ...holder, lastSeenAt: T }, one), null);
  });

  it('says nothing when nothing waits on it, or it is released already', () => {
    assert.equal(releaseCaution({ ...holder, lastSeenAt: T + 5 }, { count: 0, first: [] }), null);
    assert.equal(releaseCaution({ ...holder, blocked: true, releasedAt: T - 1 }, one), null);
  });

  it('a holder reporting after the first waiter enrolled may be the real device', () => {
    const caution = releaseCaution({ ...holder, lastSeenAt: T + 1_000 }, three);
    assert.equal(caution?.reason, 'holder-still-reporting');
    assert.equal(
      caution?.message,
      'ep_old (wks-1) has reported since ep_new enrolled on its identifiers (last seen 2026-12-01T09:00:01Z, ep_new enrolled 2026-12-01T09:00:00Z): ' +
        'it may be the real device, still in use, and ep_new and 2 more a copy of its disk image. Releasing it retires its key for good. ' +
        'For a copy, reset its MachineGuid and approve it, or deny it; release it only if ep_old is the same device under a new key.',
    );
  });

  it('a blocked holder: what waits may be a lost or stolen device’s reinstall, whenever it last reported', () => {
    const caution = releaseCaution({ ...holder, blocked: true }, one);
    assert.equal(caution?.reason, 'holder-blocked');
    assert.equal(
      caution?.message,
      'ep_old (wks-1) is blocked, and ep_new (wks-1) waits on its identifiers: releasing it frees them, and ep_new is approved and trusted. ' +
        'If it was blocked because the device was lost or stolen, deny ep_new instead; release it only if the device was recovered and re-imaged.',
    );
    assert.match(
      releaseCaution({ ...holder, blocked: true }, three)?.message ?? '',
      /ep_new and 2 more wait on its identifiers.+deny them instead/,
    );
  });
});
