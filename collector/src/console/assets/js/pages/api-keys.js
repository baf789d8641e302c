// API keys (owner only): who may use the admin API and with which role. Keys are shown once.
import { api, enc, get } from '../api.js';
import { badge, field, fmtAgo, fmtTime, h, put, select, table } from '../dom.js';
import { announce, busy, confirmAction, errorBlock, handOff, messageArea, pageHead, secretOnce, takeHandOff } from '../ui.js';

const ROLES = [
  ['read-only', 'read-only — sees everything except keys, changes nothing'],
  ['app-manager', 'app-manager — applications and their policies'],
  ['admin', 'admin — everything except API keys'],
  ['owner', 'owner — everything, including API keys'],
];

export async function render(root, ctx) {
  put(root, pageHead('API keys', 'Keys for the admin API, devtrustctl and this console. A revoked key stops working at once.'));
  let apiKeys;
  try {
    ({ apiKeys } = await get('/admin/v1/api-keys', { signal: ctx.signal }));
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(root, errorBlock(error));
    return;
  }
  const created = takeHandOff('new-api-key');
  put(
    root,
    created
      ? secretOnce({
          title: `New ${created.role} key: ${created.name}`,
          warning: 'Copy the key now. DevTrust stores only its hash and cannot show it again.',
          values: [{ label: 'API key', value: created.key }],
        })
      : null,
    createForm(ctx),
    table({
      label: 'API keys',
      rows: apiKeys,
      columns: [
        { label: 'Name', cell: (k) => [k.name, k.id === ctx.session.apiKey.id ? h('span', { class: 'muted' }, ' (this session)') : null] },
        { label: 'Role', cell: (k) => badge(k.role, k.role === 'owner' ? 'warn' : 'info') },
        { label: 'Created', cell: (k) => fmtTime(k.createdAt) },
        { label: 'Last used', cell: (k) => fmtAgo(k.lastUsedAt) },
        { label: 'Status', cell: (k) => (k.revokedAt ? [badge('revoked', 'bad'), ' ', fmtTime(k.revokedAt)] : badge('active', 'ok')) },
        { label: 'Actions', cell: (k) => (k.revokedAt ? '' : revokeButton(k, ctx)) },
      ],
    }),
  );
}

function createForm(ctx) {
  const area = messageArea();
  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off', placeholder: 'CI pipeline' });
  const role = select(ROLES, { name: 'role', value: 'read-only' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create key');
  const form = h(
    'form',
    {
      class: 'inline',
      on: {
        submit: async (event) => {
          event.preventDefault();
          const created = await busy(
            submit,
            area,
            () => api('POST', '/admin/v1/api-keys', { body: { name: name.value.trim(), role: role.value } }),
            form,
          );
          if (!created) return;
          announce(`Key ${created.name} created. Copy it now; it is shown once.`);
          // The list re-renders with the new key; the key itself waits in memory to be shown once.
          handOff('new-api-key', created);
          await ctx.refresh();
        },
      },
    },
    field('Name', name),
    field('Role', role),
    submit,
  );
  return h('section', { class: 'panel', 'aria-label': 'Create an API key' }, h('h2', {}, 'Create an API key'), form, area.el);
}

function revokeButton(key, ctx) {
  const area = messageArea();
  const button = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Revoke ${key.name}` }, 'Revoke');
  button.addEventListener('click', async () => {
    const self = key.id === ctx.session.apiKey.id;
    const ok = await confirmAction({
      title: `Revoke ${key.name}?`,
      message: self
        ? 'This is the key you are signed in with: the console signs you out at once.'
        : 'Anything using this key is refused from now on.',
      confirmLabel: 'Revoke key',
    });
    if (!ok) return;
    const done = await busy(button, area, () => api('DELETE', `/admin/v1/api-keys/${enc(key.id)}`).then(() => true));
    if (!done) return;
    announce(`${key.name} revoked.`);
    await ctx.refresh(`${key.name} revoked.`);
  });
  return h('div', {}, button, area.el);
}
