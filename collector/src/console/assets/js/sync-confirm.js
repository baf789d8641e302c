// The confirm step under a sync that was refused for its size: the vendor listed no devices
// (VENDOR_EMPTY_INVENTORY) or far fewer than the last good inventory (VENDOR_INVENTORY_DROP).
// The last good inventory was kept; an admin who retired those devices on purpose confirms
// that one more sync may empty or shrink it (POST …/sync?allowEmpty=true).
import { h, plural } from './dom.js';
import { confirmAction } from './ui.js';

const REFUSED_FOR_SIZE = new Set(['VENDOR_EMPTY_INVENTORY', 'VENDOR_INVENTORY_DROP']);

/**
 * What the offer says, or null when `run` was not refused for its size. `known` is the size of
 * the last good inventory; a refused run's `devices` is what the vendor listed.
 */
export function shrinkOfferText(name, known, run) {
  if (run?.status !== 'failed' || !REFUSED_FOR_SIZE.has(run.errorCode)) return null;
  if (run.errorCode === 'VENDOR_EMPTY_INVENTORY')
    return {
      button: `Empty the inventory of ${name}…`,
      title: `Empty the inventory of ${name}?`,
      message: `Empty the inventory of ${name}: ${plural(known, 'device', 'devices')} will no longer be known. Users on them are no longer trusted where this integration is required. One more sync runs; if the vendor again lists no devices, the inventory is emptied. If that sync fails or is cancelled, the inventory stays; scheduled syncs still refuse an empty listing.`,
      confirmLabel: 'Empty the inventory',
      hint: `The vendor listed no devices, so the last good inventory (${plural(known, 'device', 'devices')}) was kept. If every device was retired or moved out of scope on purpose, empty it here; otherwise check the account's access in the vendor's console.`,
    };
  const lost = Math.max(known - run.devices, 0);
  return {
    button: `Accept the smaller inventory of ${name}…`,
    title: `Accept the smaller inventory of ${name}?`,
    message: `Keep only what the vendor lists now (${plural(run.devices, 'device', 'devices')}): ${plural(lost, 'device', 'devices')} of ${known.toLocaleString()} will no longer be known. Users on them are no longer trusted where this integration is required. One more sync runs and replaces the inventory with its listing; if it fails or is cancelled, the inventory stays.`,
    confirmLabel: 'Accept the smaller inventory',
    // What the admin accepts is what they were shown: a listing that falls further is refused again.
    minDevices: run.devices,
    hint: `The vendor listed ${plural(run.devices, 'device', 'devices')} where the last good inventory has ${known.toLocaleString()}, a larger drop than this integration allows (maxInventoryDropPercent), so the inventory was kept. If those devices left on purpose, accept the smaller inventory here; otherwise check the account's scope in the vendor's console.`,
  };
}

/**
 * The offer under a refused sync (null when there is none, or the role may not sync):
 * `runConfirmed(button, minDevices)` starts the confirmed sync once the admin said yes in the
 * dialog; `minDevices` (a smaller inventory accepted) is the count the dialog named.
 */
export function shrinkOffer(integration, run, ctx, runConfirmed) {
  const text = shrinkOfferText(integration.name, integration.devices, run);
  if (!text || !ctx.can('integrations', 'write')) return null;
  const button = h('button', { type: 'button', class: 'btn btn-danger' }, text.button);
  button.addEventListener('click', async () => {
    if (!(await confirmAction({ title: text.title, message: text.message, confirmLabel: text.confirmLabel }))) return;
    await runConfirmed(button, text.minDevices);
  });
  return h('div', { class: 'msg msg-warn', role: 'group', 'aria-label': 'Sync refused for its size' }, h('p', {}, text.hint), button);
}
