// Users & groups: group membership decides which test-group integrations apply to whom.
import { api, enc, get } from '../api.js';
import { badge, field, fmtTime, h, put, table } from '../dom.js';
import { announce, busy, confirmAction, errorBlock, messageArea, pageHead } from '../ui.js';

const splitGroups = (text) => [
  ...new Set(
    text
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
  ),
];

export async function render(root, ctx) {
  put(root, pageHead('Users & groups', 'Put users in groups to roll integrations out to test groups first.'));
  let users, groups;
  try {
    [{ users }, { groups }] = await Promise.all([
      get('/admin/v1/users', { signal: ctx.signal }),
      get('/admin/v1/groups', { signal: ctx.signal }),
    ]);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(root, errorBlock(error));
    return;
  }
  const writable = ctx.can('users', 'write');
  const editor = writable ? groupEditor(ctx, groups) : null;
  put(
    root,
    editor?.element ?? null,
    h(
      'div',
      { class: 'grid-wide' },
      h(
        'section',
        { class: 'panel', 'aria-label': 'Users' },
        h('h2', {}, `Users (${users.length})`),
        table({
          label: 'Users',
          empty: 'No user has groups yet.',
          rows: users,
          columns: [
            { label: 'Username', cell: (u) => u.username },
            {
              label: 'Groups',
              cell: (u) => (u.groups.length ? u.groups.map((g) => [badge(g, 'info'), ' ']) : h('span', { class: 'muted' }, 'none')),
            },
            { label: 'Updated', cell: (u) => fmtTime(u.updatedAt) },
            ...(writable ? [{ label: 'Actions', cell: (u) => rowActions(u, ctx, editor) }] : []),
          ],
        }),
      ),
      h(
        'section',
        { class: 'panel', 'aria-label': 'Groups' },
        h('h2', {}, `Groups (${groups.length})`),
        table({
          label: 'Groups',
          empty: 'No group yet: groups exist once a user is in them.',
          rows: groups,
          columns: [
            { label: 'Group', cell: (g) => g.name },
            { label: 'Members', cell: (g) => String(g.members) },
          ],
        }),
      ),
    ),
  );
}

function rowActions(user, ctx, editor) {
  const edit = h(
    'button',
    { type: 'button', class: 'btn btn-small', 'aria-label': `Edit groups of ${user.username}`, on: { click: () => editor.edit(user) } },
    'Edit',
  );
  const area = messageArea();
  const remove = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Remove ${user.username}` }, 'Remove');
  remove.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: `Remove ${user.username}?`,
      message: 'The user leaves every group; test-group integrations no longer apply to them.',
      confirmLabel: 'Remove user',
    });
    if (!ok) return;
    const done = await busy(remove, area, () => api('DELETE', `/admin/v1/users/${enc(user.username)}`).then(() => true));
    if (done) {
      announce(`${user.username} removed.`);
      await ctx.refresh(`${user.username} removed.`);
    }
  });
  return h('div', { class: 'actions' }, edit, remove, area.el);
}

function groupEditor(ctx, groups) {
  const area = messageArea();
  const username = h('input', {
    type: 'text',
    name: 'username',
    required: true,
    autocomplete: 'off',
    spellcheck: false,
    placeholder: 'alice@example.com',
  });
  const groupInput = h('input', { type: 'text', name: 'groups', class: 'wide', autocomplete: 'off', placeholder: 'pilot, engineering' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save groups');
  const form = h(
    'form',
    {
      class: 'inline',
      on: {
        submit: async (event) => {
          event.preventDefault();
          const name = username.value.trim();
          const saved = await busy(
            submit,
            area,
            () => api('PUT', `/admin/v1/users/${enc(name)}`, { body: { groups: splitGroups(groupInput.value) } }),
            form,
          );
          if (!saved) return;
          announce(`Groups of ${name} saved.`);
          await ctx.refresh(`Groups of ${name} saved: ${saved.groups.join(', ') || 'none'}.`);
        },
      },
    },
    field('Username', username),
    field('Groups (comma-separated)', groupInput),
    submit,
  );
  const known = groups.length
    ? h(
        'p',
        { class: 'hint muted' },
        `Existing groups: ${groups.map((g) => g.name).join(', ')}. Saving an empty list takes the user out of every group.`,
      )
    : null;
  const element = h(
    'section',
    { class: 'panel', 'aria-label': "Set a user's groups" },
    h('h2', {}, "Set a user's groups"),
    form,
    known,
    area.el,
  );
  return {
    element,
    edit(user) {
      username.value = user.username;
      groupInput.value = user.groups.join(', ');
      groupInput.focus();
    },
  };
}
