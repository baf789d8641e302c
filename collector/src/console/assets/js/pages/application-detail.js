// One application: its credentials (the secret only right after creation or rotation), settings, policy overrides.
import { api, enc, get } from '../api.js';
import { facts, field, fmtTime, h, link, put, select } from '../dom.js';
import { policyForm } from '../policy-form.js';
import { announce, busy, confirmAction, errorBlock, messageArea, pageHead, secretOnce, takeHandOff } from '../ui.js';
import { overridesText, REASON_DETAIL_LABELS, splitLines } from './applications.js';

export async function render(root, ctx) {
  const [id] = ctx.params;
  const crumbs = h('p', { class: 'crumbs' }, link('← Applications', 'applications'));
  let application, globals;
  try {
    [application, globals] = await Promise.all([
      get(`/admin/v1/applications/${enc(id)}`, { signal: ctx.signal }),
      get('/admin/v1/policy', { signal: ctx.signal }),
    ]);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(root, crumbs, h('h1', { tabindex: '-1' }, 'Application'), errorBlock(error));
    return;
  }
  ctx.setTitle(application.name);
  const area = messageArea();
  const created = takeHandOff(`application-secret:${application.id}`);
  const secret = secretSlot(
    created
      ? secretOnce({
          title: 'Application created — copy its credentials',
          warning: 'Put the client secret into the application now. DevTrust keeps only a protected form of it and cannot show it again.',
          values: [
            { label: 'Client ID', value: created.clientId },
            { label: 'Client secret', value: created.clientSecret },
          ],
        })
      : null,
  );
  put(
    root,
    crumbs,
    pageHead(application.name, 'Protected application', deleteButton(application, ctx, area)),
    area.el,
    secret.el,
    h(
      'section',
      { class: 'panel', 'aria-label': 'Credentials' },
      h('h2', {}, 'Credentials'),
      facts([
        ['Client ID', h('code', {}, application.clientId)],
        [
          'Client secret',
          h(
            'span',
            {},
            h('span', { class: 'muted' }, 'Shown once, at creation or rotation. '),
            rotateButton(application, ctx, area, secret),
          ),
        ],
        ['Reasons shown', h('span', {}, REASON_DETAIL_LABELS[application.reasonDetail] ?? application.reasonDetail)],
        ['Policy overrides', h('span', {}, overridesText(application.policy))],
        ['Created', fmtTime(application.createdAt)],
        ['Updated', fmtTime(application.updatedAt)],
      ]),
    ),
    editForm(application, globals, ctx),
  );
}

/**
 * Where the page shows a secret: one panel at a time, because a rotation kills the secret shown
 * before it, and a dead secret left on screen is one an admin can copy by mistake.
 */
function secretSlot(initial) {
  const el = h('div', {}, initial);
  return { el, show: (panel) => el.replaceChildren(panel) };
}

/** A new client secret, shown once here; the old one stops working at once (and leaves the screen). */
function rotateButton(application, ctx, area, secret) {
  if (!ctx.can('applications', 'write')) return null;
  const button = h('button', { type: 'button', class: 'btn btn-small' }, 'Rotate secret');
  button.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: `Rotate the client secret of ${application.name}?`,
      message:
        'The current secret stops working at once: token requests and transaction API calls with it are refused until the application has the new one.',
      confirmLabel: 'Rotate secret',
    });
    if (!ok) return;
    const rotated = await busy(button, area, () => api('POST', `/admin/v1/applications/${enc(application.id)}/rotate-secret`));
    if (!rotated) return;
    announce('Client secret rotated.');
    secret.show(
      secretOnce({
        title: 'New client secret — copy it now',
        warning: 'Put it into the application now: the old secret no longer works, and DevTrust cannot show this one again.',
        values: [
          { label: 'Client ID', value: rotated.clientId },
          { label: 'Client secret', value: rotated.clientSecret },
        ],
      }),
    );
  });
  return button;
}

function deleteButton(application, ctx, area) {
  if (!ctx.can('applications', 'write')) return null;
  const button = h('button', { type: 'button', class: 'btn btn-danger' }, 'Delete');
  button.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: `Delete ${application.name}?`,
      message: 'Its client ID and secret stop working at once; users of the application can no longer get verdicts.',
      confirmLabel: 'Delete application',
    });
    if (!ok) return;
    const done = await busy(button, area, () => api('DELETE', `/admin/v1/applications/${enc(application.id)}`).then(() => true));
    if (done) {
      announce(`${application.name} deleted.`);
      ctx.navigate('#/applications');
    }
  });
  return button;
}

function editForm(application, globals, ctx) {
  const writable = ctx.can('applications', 'write');
  const area = messageArea();
  const name = h('input', { type: 'text', name: 'name', required: true, class: 'wide', value: application.name, disabled: !writable });
  const uris = h('textarea', {
    name: 'redirectUris',
    required: true,
    class: 'wide',
    rows: 3,
    spellcheck: false,
    value: application.redirectUris.join('\n'),
    disabled: !writable,
  });
  const reasonDetail = select(Object.entries(REASON_DETAIL_LABELS), {
    name: 'reasonDetail',
    value: application.reasonDetail,
    disabled: !writable,
  });
  const policy = policyForm({
    // The override schema: every rule may be null, which puts the global value back.
    schema: ctx.session.applicationPolicySchema ?? ctx.session.policySchema,
    values: application.policy,
    globals,
    mode: 'override',
    prefix: 'policy.',
    disabled: !writable,
  });
  const submit = writable ? h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save changes') : null;
  const form = h(
    'form',
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          const body = { name: name.value.trim(), redirectUris: splitLines(uris.value), reasonDetail: reasonDetail.value };
          const changes = policy.read();
          if (Object.keys(changes).length > 0) body.policy = changes;
          const saved = await busy(submit, area, () => api('PATCH', `/admin/v1/applications/${enc(application.id)}`, { body }), form);
          if (!saved) return;
          announce('Application saved.');
          await ctx.refresh('Application saved.');
        },
      },
    },
    field('Name', name),
    field('Redirect URIs (one per line)', uris),
    field(
      'Reasons shown to the application and its users',
      reasonDetail,
      'Admins always see every reason in the auth log, found by the reference.',
    ),
    h('fieldset', {}, h('legend', {}, 'Policy overrides (“Inherit global” puts the global value back)'), policy.element),
    area.el,
    submit,
  );
  return h('section', { class: 'panel', 'aria-label': 'Settings and policy' }, h('h2', {}, 'Settings and policy'), form);
}
