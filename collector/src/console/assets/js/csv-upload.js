// A CSV integration's upload form: the file replaces its inventory. A file without device rows
// is asked about before anything is sent (see csv-rows.js).
import { api, saveDownload } from './api.js';
import { field, h, plural } from './dom.js';
import { hasNoDeviceRows } from './csv-rows.js';
import { announce, busy, confirmAction } from './ui.js';

/** What the upload action returns when the admin cancelled: nothing was sent. */
const CANCELLED = Symbol('cancelled');

/**
 * `refreshHistory` reloads the page's Sync history: a refused upload is recorded as a failed
 * run, and the history must show it without a reload.
 */
export function uploadForm(base, ctx, area, integration, refreshHistory) {
  // mac_addresses is read only when the integration matches MAC addresses: offered only then.
  const macs = integration.config?.matchMacAddresses === true;
  const columns = [
    'serial_number',
    'hardware_uuid',
    'machine_guid',
    'device_name',
    'platform',
    'owner',
    ...(macs ? ['mac_addresses'] : []),
  ];
  const template = h('button', { type: 'button', class: 'btn btn-small' }, 'Download a template');
  template.addEventListener('click', () =>
    busy(template, area, () => saveDownload(`${base}/inventory/template`, { filename: 'devtrust-inventory-template.csv' })),
  );
  const file = h('input', { type: 'file', name: 'inventory', accept: '.csv,text/csv', required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Upload CSV');
  const form = h(
    'form',
    {
      class: 'inline',
      on: {
        submit: async (event) => {
          event.preventDefault();
          const chosen = file.files?.[0];
          if (!chosen) return;
          const result = await busy(submit, area, () => upload(base, integration, chosen), form);
          if (result === CANCELLED) {
            area.show('info', 'Nothing was uploaded: the inventory is as it was.');
            return;
          }
          if (!result) {
            // Refused (a bad row, an unclosed quote, …): the collector recorded a failed run.
            if (!ctx.signal.aborted) await refreshHistory().catch(() => undefined);
            return;
          }
          // What the upload took but warns about (rows for a platform the integration does not
          // cover, …): devtrustctl prints them, and an admin here must see them as well.
          const warnings = Array.isArray(result.warnings) ? result.warnings.filter((w) => typeof w === 'string') : [];
          const warned = warnings.length > 0 ? ` ${warnings.map((w) => `Warning: ${w}`).join(' ')}` : '';
          announce(`Uploaded ${plural(result.devices, 'device', 'devices')}.${warned}`);
          await ctx.refresh(`Inventory replaced: ${plural(result.devices, 'device', 'devices')} from ${chosen.name}.${warned}`);
        },
      },
    },
    field(
      'Inventory CSV',
      file,
      `Header row naming any of ${columns.join(', ')}${macs ? '' : ' (mac_addresses too, once the integration matches MAC addresses)'}; Jamf Pro, Intune, Workspace ONE, Kandji and MobileIron exports are read as they come ("Serial Number", "UDID", …). Replaces the current inventory.`,
    ),
    submit,
    template,
  );
  return form;
}

/**
 * Sends the file. One without device rows empties the inventory, so it is asked about first and
 * sent with allowEmpty only when confirmed: sent and refused, it would be recorded as a failed
 * run (the integration shown failing) although the admin then cancels.
 */
async function upload(base, integration, chosen) {
  const empty = hasNoDeviceRows(await chosen.text());
  if (empty && !(await confirmEmptying(integration))) return CANCELLED;
  // The file itself goes, not the text read above: reading turns bytes that are not UTF-8 into
  // U+FFFD, and a Latin-1 export would be stored mangled. Sent as it is, the collector refuses
  // it (INVALID_ENCODING, "save the CSV as CSV UTF-8") and the admin sees why.
  const put = (allowEmpty) =>
    api('PUT', `${base}/inventory${allowEmpty ? '?allowEmpty=true' : ''}`, { body: chosen, contentType: 'text/csv' });
  try {
    return await put(empty);
  } catch (error) {
    // The collector's EMPTY_INVENTORY stays the backstop, for a file the check above could not
    // call empty (it errs towards "may have rows"): asked then, as devtrustctl's --allow-empty.
    if (empty || error?.code !== 'EMPTY_INVENTORY' || !(await confirmEmptying(integration))) throw error;
    return put(true);
  }
}

/** Asks whether an upload without device rows is meant to empty `integration`'s inventory. */
function confirmEmptying(integration) {
  const known = Number(integration.devices ?? 0);
  return confirmAction({
    title: `Empty the inventory of ${integration.name}?`,
    message: `The file has no device rows. Uploading it anyway empties the inventory of ${integration.name}: ${plural(known, 'device', 'devices')} will no longer be known, and users on them are no longer trusted where this integration is required. Cancel keeps the inventory as it is.`,
    confirmLabel: 'Empty the inventory',
  });
}
