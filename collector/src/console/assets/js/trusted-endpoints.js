// The integration page's "Trusted endpoints" panel: the configuration key and the MDM's
// device ID variable, and where they go on each platform (GET /admin/v1/trusted-endpoints/:id).
// The key is a secret: fetched only when an admin asks for it, never kept beyond the page.
import { api, enc, get } from './api.js';
import { fmtTime, h, put } from './dom.js';
import { announce, busy, confirmAction, messageArea } from './ui.js';

const PLATFORM_ORDER = ['macos', 'windows', 'ios', 'android'];

/** Null for kinds without an MDM variable (CSV, EDR) or roles that may not see the key. */
export function trustedEndpointsPanel(integration, kind, ctx) {
  if (!kind?.trustedEndpointsVariable || !ctx.can('enrollment')) return null;
  const area = messageArea();
  const body = h('div', {});
  const show = h('button', { type: 'button', class: 'btn' }, 'Show configuration instructions');
  const path = `/admin/v1/trusted-endpoints/${enc(integration.id)}`;
  show.addEventListener('click', async () => {
    const view = await busy(show, area, () => get(path));
    if (!view) return;
    show.remove();
    put(body, instructions(view, ctx, area, path, body));
  });
  return h(
    'section',
    { class: 'panel', 'aria-label': 'Trusted endpoints' },
    h('h2', {}, 'Trusted endpoints (MDM-asserted identity)'),
    h(
      'p',
      { class: 'muted' },
      `Push this configuration key with the MDM's own device ID (${kind.trustedEndpointsVariable}) to each device: `,
      'a device that proves both is trusted as "MDM-asserted", a level an application policy can require (requireAssurance).',
    ),
    area.el,
    show,
    body,
  );
}

function instructions(view, ctx, area, path, body) {
  const keyInput = h('input', { type: 'text', value: view.key, readOnly: true, spellcheck: false, 'aria-label': 'Configuration key' });
  const platforms = [...view.platforms].sort((a, b) => PLATFORM_ORDER.indexOf(a.platform) - PLATFORM_ORDER.indexOf(b.platform));
  return h(
    'div',
    { class: 'trusted-endpoints' },
    h(
      'div',
      { class: 'secret-row' },
      h('strong', {}, 'Configuration key'),
      keyInput,
      ctx.can('enrollment', 'write') ? rotateButton(ctx, area, path, body) : null,
    ),
    h(
      'p',
      { class: 'muted' },
      'Created ',
      fmtTime(view.createdAt),
      '. Treat it like a password: anyone holding it can claim managed devices.',
    ),
    h('div', { class: 'grid-2' }, platforms.map(platformCard)),
  );
}

function platformCard(p) {
  return h(
    'section',
    { class: 'panel', 'aria-label': p.title },
    h('h3', {}, p.title),
    h('p', {}, h('strong', {}, 'Where: '), p.where),
    h(
      'table',
      { class: 'table' },
      h('caption', { class: 'muted' }, 'Keys (strings)'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Value'))),
      h(
        'tbody',
        {},
        p.settings.map((s) => h('tr', {}, h('td', {}, h('code', {}, s.name)), h('td', {}, h('code', {}, s.value)))),
      ),
    ),
    h(
      'ol',
      {},
      p.steps.map((step) => h('li', {}, step)),
    ),
  );
}

function rotateButton(ctx, area, path, body) {
  const button = h('button', { type: 'button', class: 'btn btn-danger btn-small' }, 'Rotate key');
  button.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: 'Rotate the configuration key?',
      message:
        'Devices keep the old key until the MDM pushes the new one; until then they are trusted by identifiers only, and policies requiring MDM-asserted identity deny them.',
      confirmLabel: 'Rotate key',
    });
    if (!ok) return;
    const view = await busy(button, area, () => api('POST', `${path}/rotate`));
    if (!view) return;
    body.replaceChildren(instructions(view, ctx, area, path, body));
    announce('Configuration key rotated. Update it in the MDM.');
  });
  return button;
}
