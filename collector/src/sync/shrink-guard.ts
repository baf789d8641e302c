import { VendorError } from './kit/vendor-error.js';

/**
 * The share of the last good inventory one vendor sync may remove before it is refused, when the
 * integration sets no `maxInventoryDropPercent`: an MDM that suddenly lists 3 of 90,000 devices
 * (a scoping change, a token moved to another group) is far more often wrong than a fleet that
 * halved overnight.
 */
export const DEFAULT_MAX_DROP_PERCENT = 50;

/**
 * Fewer removed devices than this never trip the share limit: in a fleet of six, two retired
 * laptops are a third of it, and refusing that sync would only teach admins to confirm every run.
 */
export const DROP_LIMIT_MIN_DEVICES = 10;

export interface ShrinkCheck {
  /** Devices in the last good inventory. */
  kept: number;
  /** Devices the run staged. */
  found: number;
  /** An admin confirmed this run may empty or shrink the inventory (`allowEmpty=true`). */
  allowEmpty: boolean;
  /** With `allowEmpty`, the fewest devices the confirmation accepts (`minDevices`: what the admin was shown). */
  minDevices?: number;
  /** The integration's `maxInventoryDropPercent` (absent: the default). */
  maxDropPercent: number | undefined;
}

const devices = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'device' : 'devices'}`;
const HOW_TO_CONFIRM = 'sync once with allowEmpty=true (devtrustctl integration sync ID --allow-empty)';

/**
 * Why a finished vendor sync must not replace the last good inventory, or null when it may.
 * Pure: the engine asks it after the last page was staged and before the switch, so a run that
 * failed or was cancelled earlier never gets here, confirmed or not.
 */
export function shrinkRefusal({ kept, found, allowEmpty, minDevices, maxDropPercent }: ShrinkCheck): VendorError | null {
  // A confirmation accepts the inventory the admin was shown, not whatever the vendor lists
  // next: a listing that fell further (to none, while the admin accepted 40,000) is refused again.
  if (allowEmpty)
    return minDevices !== undefined && found < minDevices
      ? new VendorError(
          'VENDOR_INVENTORY_DROP',
          `the sync found ${devices(found)}, fewer than the ${minDevices.toLocaleString('en-US')} this confirmed sync accepted; the last good inventory (${devices(kept)}) is kept`,
        )
      : null;
  if (kept === 0) return null;
  if (found === 0)
    return new VendorError(
      'VENDOR_EMPTY_INVENTORY',
      `the sync found no devices (the vendor listed none, or none with an identifier); the last good inventory (${devices(kept)}) is kept. Check the account's access in the vendor's console; to empty it on purpose, ${HOW_TO_CONFIRM}`,
    );
  const limit = maxDropPercent ?? DEFAULT_MAX_DROP_PERCENT;
  const dropped = kept - found;
  if (dropped < DROP_LIMIT_MIN_DEVICES || dropped * 100 <= kept * limit) return null;
  const share = Math.floor((dropped * 1000) / kept) / 10;
  return new VendorError(
    'VENDOR_INVENTORY_DROP',
    `the sync found ${devices(found)} where the last good inventory has ${kept.toLocaleString('en-US')}: ${share}% fewer, over this integration's limit of ${limit}%; the last good inventory is kept. Check the account's scope; to accept it, ${HOW_TO_CONFIRM}`,
  );
}
