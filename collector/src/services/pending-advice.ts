import type { HolderState } from '../store/repos/endpoint-findings.js';

export type { HolderState };

/**
 * What to do with an endpoint pending approval. Release comes first: approving a re-imaged
 * laptop's new key makes it and the old, trusted endpoint duplicates, and neither is trusted
 * through the identifier while both report it (docs/enrollment-and-posture.md).
 */
export function whatToDo(holders: string[], states: ReadonlyMap<string, HolderState>, enrolledAt: number): string {
  const standing = (id: string) => states.get(id)?.standing;
  // A blocked holder (a stolen device?) released hands its identifiers to this one; a forgotten
  // one cannot be released at all: neither gets "release the old endpoint".
  const blocked = holders.filter((id) => standing(id) === 'blocked');
  if (blocked.length > 0)
    return `${blocked.join(', ')} ${blocked.length === 1 ? 'is' : 'are'} blocked (a stolen device?): deny it unless you know the device was recovered; releasing a blocked endpoint hands its identifiers to this one`;
  const live = holders.filter((id) => standing(id) !== 'gone');
  // One that reported since this endpoint enrolled is a device still in use: this one is more
  // likely a copy of its disk image than its re-imaged self (whose old key went quiet first), and
  // releasing it would retire the real device's key for good. Said first, as releaseCaution does.
  const reporting = live.filter((id) => (states.get(id)?.lastSeenAt ?? -1) >= enrolledAt);
  if (reporting.length > 0) {
    const them = reporting.join(', ');
    const has = reporting.length === 1 ? 'has' : 'have';
    return (
      `${them} ${has} reported since this endpoint enrolled: it may be a copy of that device's disk image, and the device still in use. ` +
      'Give it identifiers of its own (a new MachineGuid; for a virtual machine a new serial number and hardware UUID too) and approve it once it reports them, or deny it. ' +
      `Do not release ${them}: that retires the real device's key for good. Approve it only if it is a different device that legitimately shares the identifier`
    );
  }
  if (holders.length > 0 && live.length === 0)
    return `The endpoint it waited on was forgotten (${holders.join(', ')}): approve it if it is that device enrolled again or a device you know, deny it otherwise`;
  const ids = live.length > 0 ? live : ['<old id>'];
  const old = ids.length === 1 ? 'the old endpoint' : 'the old endpoints';
  const commands = ids.map((id) => `devtrustctl endpoint release ${id}`).join('; ');
  const buttons = ids.map((id) => `"Release ${id}"`).join(', ');
  return (
    `If it is the same device re-imaged or with its agent reinstalled, release ${old}: ${commands}, or ${buttons} on this endpoint's console page. ` +
    // A copy of a disk image looks the same here; releasing the real device's key would be the mistake.
    "If it is a copy of that device's disk image (the device still reports), give it identifiers of its own and approve it, or deny it. " +
    'Approve it only if it is a different device that legitimately shares the identifier; deny it otherwise'
  );
}
