// The global policy: what every application applies unless it overrides a field.
import { api, get } from '../api.js';
import { h, put } from '../dom.js';
import { policyForm } from '../policy-form.js';
import { announce, busy, errorBlock, messageArea, pageHead } from '../ui.js';

export async function render(root, ctx) {
  put(root, pageHead('Global policy', 'Applies to every application; an application may override any field on its own page.'));
  let policy;
  try {
    policy = await get('/admin/v1/policy', { signal: ctx.signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(root, errorBlock(error));
    return;
  }
  const writable = ctx.can('policy', 'write');
  const area = messageArea();
  const fields = policyForm({ schema: ctx.session.policySchema, values: policy, disabled: !writable });
  const submit = writable ? h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save policy') : null;
  const form = h(
    'form',
    {
      class: 'panel',
      'aria-label': 'Global policy',
      on: {
        submit: async (event) => {
          event.preventDefault();
          const changes = fields.read();
          if (Object.keys(changes).length === 0) {
            area.show('info', 'Nothing changed.');
            return;
          }
          const saved = await busy(submit, area, () => api('PUT', '/admin/v1/policy', { body: changes }), form);
          if (!saved) return;
          announce('Global policy saved.');
          await ctx.refresh('Global policy saved. New verdicts apply it at once.');
        },
      },
    },
    fields.element,
    area.el,
    submit,
    writable ? null : h('p', { class: 'muted' }, `The ${ctx.session.apiKey.role} role may read the policy but not change it.`),
  );
  put(root, form);
}
