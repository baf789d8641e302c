import { api, storeKey } from '../api.js';
import { h, field } from '../dom.js';
import { busy, messageArea } from '../ui.js';

/** The sign-in form: an API key checked against the collector before it is kept. */
export function renderSignIn({ message, tone = 'error', onSignedIn }) {
  const area = messageArea();
  if (message) area.show(tone, message);
  const input = h('input', {
    type: 'password',
    name: 'apiKey',
    autocomplete: 'off',
    spellcheck: false,
    required: true,
    placeholder: 'dtk_…',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'panel',
      'aria-labelledby': 'signin-title',
      on: {
        submit: async (event) => {
          event.preventDefault();
          const key = input.value.trim();
          if (!key) return;
          const session = await busy(submit, area, () => api('GET', '/console/session', { key }), form);
          if (!session) {
            input.setAttribute('aria-invalid', 'true');
            input.focus();
            return;
          }
          storeKey(key);
          onSignedIn(session);
        },
      },
    },
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in to DevTrust'),
    h(
      'p',
      { class: 'muted' },
      'Paste an API key. It is kept in this browser tab only and sent to the collector with each request; closing the tab forgets it.',
    ),
    area.el,
    field('API key', input, 'Create keys with devtrustctl or ask an owner for one.'),
    submit,
  );
  return h('div', { class: 'signin' }, form);
}
