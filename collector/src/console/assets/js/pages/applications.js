// Applications: the protected apps that ask for verdicts; creating one shows its secret once.
import { api, enc, get } from '../api.js';
import { badge, field, fmtTime, h, humanize, link, put, select, table } from '../dom.js';
import { policyForm } from '../policy-form.js';
import { busy, errorBlock, handOff, messageArea, pageHead } from '../ui.js';

export const splitLines = (text) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** What each reasonDetail shows the application (ID token, transaction API) and its users (denial page). */
export const REASON_DETAIL_LABELS = {
  summary: 'Summary: a short reason and a reference (the auth log has every reason)',
  full: 'Full: every reason, with integration names and device identifiers',
};

export function overridesText(policy) {
  const entries = Object.entries(policy ?? {});
  if (entries.length === 0) return h('span', { class: 'muted' }, 'global policy');
  return entries.map(([k, v]) => badge(`${humanize(k)}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`, 'info'));
}

export async function render(root, ctx) {
  put(root, pageHead('Applications', 'Each protected application has a client ID and secret for the transaction API and the OIDC prompt.'));
  let applications, globals;
  try {
    [{ applications }, globals] = await Promise.all([
      get('/admin/v1/applications', { signal: ctx.signal }),
      get('/admin/v1/policy', { signal: ctx.signal }),
    ]);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(root, errorBlock(error));
    return;
  }
  put(
    root,
    table({
      label: 'Applications',
      empty: 'No application yet.',
      rows: applications,
      columns: [
        { label: 'Name', cell: (a) => link(a.name, 'applications', a.id) },
        { label: 'Client ID', cell: (a) => h('code', {}, a.clientId) },
        { label: 'Redirect URIs', cell: (a) => a.redirectUris.map((u) => h('div', {}, h('code', {}, u))) },
        { label: 'Policy overrides', cell: (a) => overridesText(a.policy) },
        { label: 'Reasons shown', cell: (a) => (a.reasonDetail === 'full' ? badge('full', 'warn') : badge('summary')) },
        { label: 'Created', cell: (a) => fmtTime(a.createdAt) },
      ],
    }),
  );
  if (ctx.can('applications', 'write')) put(root, createForm(ctx, globals));
}

function createForm(ctx, globals) {
  const area = messageArea();
  const name = h('input', { type: 'text', name: 'name', required: true, class: 'wide', autocomplete: 'off' });
  const uris = h('textarea', {
    name: 'redirectUris',
    required: true,
    class: 'wide',
    rows: 3,
    spellcheck: false,
    placeholder: 'https://app.example.com/oidc/callback',
  });
  const policy = policyForm({
    schema: ctx.session.applicationPolicySchema ?? ctx.session.policySchema,
    globals,
    mode: 'override',
    prefix: 'policy.',
  });
  const reasonDetail = select(Object.entries(REASON_DETAIL_LABELS), { name: 'reasonDetail', value: 'summary' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create application');
  const form = h(
    'form',
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          const body = {
            name: name.value.trim(),
            redirectUris: splitLines(uris.value),
            policy: policy.read(),
            reasonDetail: reasonDetail.value,
          };
          const created = await busy(submit, area, () => api('POST', '/admin/v1/applications', { body }), form);
          if (!created) return;
          // The secret travels to the application's page in memory only, to be shown there once.
          handOff(`application-secret:${created.id}`, created);
          ctx.navigate(`#/applications/${enc(created.id)}`);
        },
      },
    },
    field('Name', name),
    field('Redirect URIs (one per line)', uris, 'https only; http is accepted for localhost during development.'),
    field('Reasons shown to the application and its users', reasonDetail, 'Admins always see every reason in the auth log.'),
    h('fieldset', {}, h('legend', {}, 'Policy (blank fields inherit the global policy)'), policy.element),
    area.el,
    submit,
  );
  return h('section', { class: 'panel', 'aria-label': 'Add an application' }, h('h2', {}, 'Add an application'), form);
}
