// One integration: its settings, connection test, sync or upload, activation, lookups, history.
import { api, enc, get } from '../api.js';
import { badge, facts, fmtTime, h, humanize, link, plain, plural, put } from '../dom.js';
import { integrationFields } from '../integration-form.js';
import { kindLabel, kindOf, loadKinds, platformLabels } from '../integration-kinds.js';
import { activationPanel, connectionPanel, identifierPanel, syncHistory } from '../integration-tools.js';
import { trustedEndpointsPanel } from '../trusted-endpoints.js';
import { announce, busy, confirmAction, errorBlock, messageArea, pageHead } from '../ui.js';
import { activationText } from './integrations.js';

export async function render(root, ctx) {
  const [id] = ctx.params;
  const base = `/admin/v1/integrations/${enc(id)}`;
  let integration, syncs, groups, kinds;
  try {
    [integration, { syncs }, groups, kinds] = await Promise.all([
      get(base, { signal: ctx.signal }),
      get(`${base}/syncs`, { signal: ctx.signal }),
      // Group names help fill in test groups; a role without access to users simply gets none.
      ctx.can('users')
        ? get('/admin/v1/groups', { signal: ctx.signal })
            .then((g) => g.groups)
            .catch(() => [])
        : [],
      loadKinds(),
    ]);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(
      root,
      h('p', { class: 'crumbs' }, link('← Integrations', 'integrations')),
      h('h1', { tabindex: '-1' }, 'Integration'),
      errorBlock(error),
    );
    return;
  }
  ctx.setTitle(integration.name);
  const area = messageArea();
  const history = h('div', {}, syncHistory(syncs));
  put(
    root,
    h('p', { class: 'crumbs' }, link('← Integrations', 'integrations')),
    pageHead(
      integration.name,
      `${kindLabel(kinds, integration.kind)} · ${integration.category.toUpperCase()}`,
      deleteButton(integration, ctx, area),
    ),
    h('div', { class: 'actions' }, activationText(integration.activation), badge(plural(integration.devices, 'device', 'devices'), 'info')),
    area.el,
    h('div', { class: 'grid-2' }, summaryPanel(integration, kinds), activationPanel(integration, ctx, groups)),
    connectionPanel(integration, kindOf(kinds, integration.kind), ctx, history),
    identifierPanel(integration),
    trustedEndpointsPanel(integration, kindOf(kinds, integration.kind), ctx),
    h('section', { class: 'panel', 'aria-label': 'Sync history' }, h('h2', {}, 'Sync history'), history),
    ctx.can('integrations', 'write') ? settingsPanel(integration, kinds, ctx) : null,
  );
}

function summaryPanel(i, kinds) {
  const config = Object.entries(i.config ?? {}).map(([key, value]) => [humanize(key), plain(value)]);
  return h(
    'section',
    { class: 'panel', 'aria-label': 'Summary' },
    h('h2', {}, 'Summary'),
    facts([
      ['Kind', kindLabel(kinds, i.kind)],
      ['Platforms', platformLabels(i.platforms)],
      ['Devices', String(i.devices)],
      ['Last synced', fmtTime(i.syncedAt)],
      kindOf(kinds, i.kind)?.capabilities.sync === false ? null : ['Next sync', fmtTime(i.nextSyncAt)],
      // A due scheduled sync that every sync slot kept from starting (set by the collector's scheduler).
      i.syncWaiting ? ['Scheduled sync late', i.syncWaiting.message] : null,
      ['Credentials set', i.secretsSet.length ? i.secretsSet.map(humanize).join(', ') : plain(null)],
      ...config,
      ['Created', fmtTime(i.createdAt)],
    ]),
  );
}

function deleteButton(integration, ctx, area) {
  if (!ctx.can('integrations', 'write')) return null;
  const button = h('button', { type: 'button', class: 'btn btn-danger' }, 'Delete');
  button.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: `Delete ${integration.name}?`,
      message: 'Its inventory and sync history are removed; devices trusted only through it stop being trusted at once.',
      confirmLabel: 'Delete integration',
    });
    if (!ok) return;
    const done = await busy(button, area, () => api('DELETE', `/admin/v1/integrations/${enc(integration.id)}`).then(() => true));
    if (done) {
      announce(`${integration.name} deleted.`);
      ctx.navigate('#/integrations');
    }
  });
  return button;
}

function settingsPanel(integration, kinds, ctx) {
  const area = messageArea();
  const fields = integrationFields(integration, kinds);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save settings');
  const form = h(
    'form',
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          const saved = await busy(
            submit,
            area,
            () => api('PATCH', `/admin/v1/integrations/${enc(integration.id)}`, { body: fields.read(form) }),
            form,
          );
          if (!saved) return;
          announce('Settings saved.');
          await ctx.refresh('Settings saved.');
        },
      },
    },
    fields.element,
    area.el,
    submit,
  );
  return h('section', { class: 'panel', 'aria-label': 'Settings' }, h('h2', {}, 'Settings'), form);
}
