// Integrations: every inventory and EDR source, with device counts and how its syncs stand.
import { get } from '../api.js';
import { badge, h, link, put, table } from '../dom.js';
import { kindLabel, loadKinds, platformLabels } from '../integration-kinds.js';
import { lastSyncCell, latestAttemptCell } from '../sync-status.js';
import { errorBlock, pageHead } from '../ui.js';

export function activationText(activation) {
  if (activation.mode === 'all-users') return badge('all users', 'ok');
  if (activation.mode === 'test-groups') return badge(`test groups: ${activation.groups.join(', ')}`, 'info');
  return badge('disabled');
}

export async function render(root, ctx) {
  const add = ctx.can('integrations', 'write') ? h('a', { href: '#/integrations/new', class: 'btn btn-primary' }, 'Add integration') : null;
  put(
    root,
    pageHead(
      'Integrations',
      'Device inventories (MDM) decide which endpoints are trusted; EDR integrations report compromised devices.',
      add,
    ),
  );
  let integrations, kinds;
  try {
    [{ integrations }, kinds] = await Promise.all([get('/admin/v1/integrations', { signal: ctx.signal }), loadKinds()]);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(root, errorBlock(error));
    return;
  }
  put(
    root,
    table({
      label: 'Integrations',
      empty: 'No integration yet. Add one to start trusting managed devices.',
      rows: integrations,
      columns: [
        { label: 'Name', cell: (i) => link(i.name, 'integrations', i.id) },
        { label: 'Kind', cell: (i) => [kindLabel(kinds, i.kind), ' ', badge(i.category.toUpperCase())] },
        { label: 'Platforms', cell: (i) => platformLabels(i.platforms) },
        { label: 'Activation', cell: (i) => activationText(i.activation) },
        { label: 'Devices', cell: (i) => String(i.devices) },
        { label: 'Last sync', cell: lastSyncCell },
        { label: 'Latest attempt', cell: (i) => latestAttemptCell(i.lastSync) },
      ],
    }),
  );
}
