// Creating an integration: kind, name, platforms, connection. It starts disabled, as the API does.
import { api, enc } from '../api.js';
import { h, link, put } from '../dom.js';
import { integrationFields } from '../integration-form.js';
import { loadKinds } from '../integration-kinds.js';
import { announce, busy, errorBlock, messageArea, pageHead } from '../ui.js';

export async function render(root, ctx) {
  ctx.setTitle('Add integration');
  let kinds;
  try {
    kinds = await loadKinds();
  } catch (error) {
    put(
      root,
      h('p', { class: 'crumbs' }, link('← Integrations', 'integrations')),
      h('h1', { tabindex: '-1' }, 'Add integration'),
      errorBlock(error),
    );
    return;
  }
  const area = messageArea();
  const fields = integrationFields(null, kinds);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create integration');
  const form = h(
    'form',
    {
      class: 'panel',
      'aria-label': 'New integration',
      on: {
        submit: async (event) => {
          event.preventDefault();
          const created = await busy(submit, area, () => api('POST', '/admin/v1/integrations', { body: fields.read(form) }), form);
          if (!created) return;
          announce(`Integration ${created.name} created. It is disabled until you activate it.`);
          ctx.navigate(`#/integrations/${enc(created.id)}`);
        },
      },
    },
    fields.element,
    area.el,
    h('div', { class: 'actions' }, submit, h('a', { href: '#/integrations', class: 'btn btn-quiet' }, 'Cancel')),
  );
  put(
    root,
    h('p', { class: 'crumbs' }, link('← Integrations', 'integrations')),
    pageHead(
      'Add integration',
      'The integration is created disabled: test it, sync or upload its inventory, then activate it for test groups or all users.',
    ),
    form,
  );
}
