import { IDENTIFIER_LABELS } from '@devtrust/shared/identity';
import type { SingleIdentifierKind } from '../domain/identifiers.js';
import type { InventoryRecordName } from '../domain/inventory.js';
import { endpointLabel } from '../domain/endpoint-label.js';

/**
 * The duplicate findings' messages: whom a duplicate concerns (its first few endpoints or
 * records, by name) and what the admin should do, in the words of the pending finding's advice
 * (pending-advice.ts). A duplicate is never used to trust anyone, so it costs a real device its
 * trust until it is resolved; the finding alone says how.
 */

/** Endpoints or records a duplicate finding names before "and N more". */
export const NAMED_PER_DUPLICATE = 3;

/** "a, b, c and 4 more" (the first NAMED_PER_DUPLICATE of `total`). */
function firstFew(names: readonly string[], total: number): string {
  const shown = names.slice(0, NAMED_PER_DUPLICATE);
  const more = total - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}` : (shown[0] ?? '');
}

/** An identifier value several counted endpoints report: who they are, and the three ways out. */
export function endpointDuplicateMessage(dupe: {
  kind: SingleIdentifierKind;
  value: string;
  endpoints: readonly { id: string; hostname: string | null }[];
}): string {
  const names = dupe.endpoints.map((e) => endpointLabel(e));
  return (
    `${dupe.endpoints.length} enrolled endpoints report ${IDENTIFIER_LABELS[dupe.kind]} ${dupe.value}: ${firstFew(names, dupe.endpoints.length)}; it is never used to trust them. ` +
    'If one is the same device as another, re-imaged or with its agent reinstalled (its old key no longer reports), release the old endpoint: ' +
    'devtrustctl endpoint release <old id>, or "Release identifiers" on its console page. ' +
    'If they are copies of one disk image, give each copy identifiers of its own (a new MachineGuid; for a virtual machine a new serial number and hardware UUID too). ' +
    "Block any you cannot place: a blocked endpoint is nobody's duplicate"
  );
}

/** An identifier value several records of one inventory hold: which records, and where to fix them. */
export function inventoryDuplicateMessage(
  dupe: { kind: SingleIdentifierKind; value: string; count: number },
  integration: { id: string; name: string; uploaded: boolean },
  records: readonly InventoryRecordName[],
): string {
  // Names in JSON quotes: a vendor's device name may itself hold quotes, commas and "and".
  const names = records.map((r) =>
    r.deviceName !== null
      ? JSON.stringify(r.deviceName)
      : r.externalId !== null
        ? `record ${JSON.stringify(r.externalId)}`
        : 'a record without a name or id',
  );
  const where = integration.uploaded
    ? `correct the CSV and upload it again (devtrustctl integration upload ${integration.id} FILE)`
    : `correct it in the MDM, then sync (devtrustctl integration sync ${integration.id})`;
  return (
    `${dupe.count} records of ${JSON.stringify(integration.name)} hold ${IDENTIFIER_LABELS[dupe.kind]} ${dupe.value}` +
    `${names.length > 0 ? `: ${firstFew(names, dupe.count)}` : ''}; none of them is trusted on it. ` +
    `If a device is listed twice (enrolled again, or a retired record left behind), remove the stale record; if one record holds another device's identifier, fix it: ${where}`
  );
}
