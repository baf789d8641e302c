/* global DOMException */
// The working parts of an integration's page: test, sync (with polling), activation,
// "check if devices have synced" and the sync history (the CSV upload is csv-upload.js).
import { api, enc, get } from './api.js';
import { badge, facts, field, fmtTime, h, humanize, plain, plural, table } from './dom.js';
import { shrinkOffer } from './sync-confirm.js';
import { uploadForm } from './csv-upload.js';
import { announce, busy, messageArea } from './ui.js';

const POLL_MS = 1000;
/** Polling stops after this long; the history still shows the run when it ends. */
const POLL_LIMIT_MS = 10 * 60_000;

const panel = (title, ...content) => h('section', { class: 'panel', 'aria-label': title }, h('h2', {}, title), content);

export function syncHistory(syncs) {
  // Its times wrap (see console.css), leaving the error column room to be read.
  const grid = table({
    label: 'Sync history',
    empty: 'No sync or upload yet.',
    rows: syncs,
    columns: [
      { label: 'Started', cell: (s) => fmtTime(s.startedAt) },
      {
        label: 'Status',
        cell: (s) => badge(s.status, { succeeded: 'ok', failed: 'bad', cancelled: 'bad', running: 'info' }[s.status] ?? ''),
      },
      // A run an admin confirmed may empty or shrink the inventory says so.
      { label: 'Trigger', cell: (s) => (s.allowEmpty ? `${s.trigger} (confirmed: may empty)` : s.trigger) },
      { label: 'Finished', cell: (s) => fmtTime(s.finishedAt) },
      { label: 'Pages', cell: (s) => String(s.pages) },
      { label: 'Devices', cell: (s) => String(s.devices) },
      { label: 'Error', cell: (s) => s.error ?? '' },
    ],
  });
  grid.classList.add('sync-history');
  return grid;
}

/**
 * "Test Configuration", and "Sync now" or the file upload, by what the kind can do (`kind`
 * from loadKinds(); null for a kind this collector no longer knows).
 */
export function connectionPanel(integration, kind, ctx, history) {
  const area = messageArea();
  // Under a sync refused for listing no devices (or far fewer): the confirm action.
  const offer = h('div', {});
  const base = `/admin/v1/integrations/${enc(integration.id)}`;
  const test = h('button', { type: 'button', class: 'btn' }, 'Test Configuration');
  test.addEventListener('click', async () => {
    const result = await busy(test, area, () => api('POST', `${base}/test`));
    if (result) area.show(result.ok ? 'ok' : 'error', result.ok ? 'The configuration works.' : 'The test failed.', result.message);
  });
  // A kind that only takes uploads (CSV) has no connection to test.
  const tools = kind?.capabilities.sync === false ? [] : [test];
  if (kind?.capabilities.upload) tools.push(uploadForm(base, ctx, area, integration, () => showHistory(base, ctx.signal, history)));
  else {
    const sync = h('button', { type: 'button', class: 'btn btn-primary' }, 'Sync now');
    // A run that waits on a silent vendor can be stopped; the last good inventory stays.
    const cancel = h('button', { type: 'button', class: 'btn btn-danger', hidden: true }, 'Cancel sync');
    cancel.addEventListener('click', async () => {
      const run = await busy(cancel, area, () => api('POST', `${base}/sync/cancel`));
      if (run) area.show('info', run.status === 'running' ? 'Cancelling…' : 'Sync cancelled; the previous inventory is unchanged.');
    });
    const follow = async (syncId) => {
      sync.disabled = true;
      cancel.hidden = false;
      try {
        const run = await pollSync(base, syncId, ctx.signal, history, (r) =>
          area.show('info', `Sync running: ${plural(r.pages, 'page', 'pages')}, ${plural(r.devices, 'device', 'devices')} so far…`),
        );
        if (!run) area.show('info', 'The sync is still running; its result will appear in the sync history.');
        else if (run.status === 'succeeded')
          await ctx.refresh(`Sync finished: ${plural(run.devices, 'device', 'devices')} in ${plural(run.pages, 'page', 'pages')}.`);
        else if (run.status === 'cancelled') area.show('info', 'Sync cancelled; the previous inventory is unchanged.');
        else {
          area.show('error', `Sync ${run.status}.`, run.error);
          // The offer counts what the last good inventory holds now, not when the page loaded.
          showOffer(await get(base, { signal: ctx.signal }), run);
        }
      } catch (error) {
        if (error.name !== 'AbortError') area.error(error);
      } finally {
        sync.disabled = false;
        cancel.hidden = true;
      }
    };
    /**
     * Starts a sync; `allowEmpty`: the admin confirmed this run may empty or shrink the inventory,
     * to no fewer than `minDevices` when given.
     */
    const start = async (button, allowEmpty, minDevices) => {
      const confirmation = allowEmpty ? `?allowEmpty=true${minDevices === undefined ? '' : `&minDevices=${minDevices}`}` : '';
      const started = await busy(button, area, () => api('POST', `${base}/sync${confirmation}`));
      if (!started) return;
      offer.replaceChildren();
      area.show('info', allowEmpty ? 'Confirmed sync started: it may empty the inventory…' : 'Sync started…');
      await follow(started.syncId);
    };
    const showOffer = (current, run) => {
      const confirm = shrinkOffer(current, run, ctx, (button, minDevices) => start(button, true, minDevices));
      if (confirm) offer.replaceChildren(confirm);
      else offer.replaceChildren();
    };
    sync.addEventListener('click', () => start(sync, false));
    tools.push(sync, cancel);
    if (integration.lastSync?.status === 'running') void follow(integration.lastSync.id);
    else showOffer(integration, integration.lastSync);
  }
  return panel(
    'Connection',
    h(
      'div',
      { class: 'actions' },
      ctx.can('integrations', 'write') ? tools : h('p', { class: 'muted' }, 'Your role may not test or sync integrations.'),
    ),
    area.el,
    offer,
  );
}

/** Reads the integration's runs into `history` (the page's Sync history), returning them. */
async function showHistory(base, signal, history) {
  const { syncs } = await get(`${base}/syncs`, { signal });
  history.replaceChildren(syncHistory(syncs));
  return syncs;
}

async function pollSync(base, syncId, signal, history, onProgress) {
  const deadline = Date.now() + POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    const syncs = await showHistory(base, signal, history);
    const run = syncs.find((s) => s.id === syncId);
    if (run && run.status !== 'running') return run;
    if (run) onProgress(run);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, POLL_MS);
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(new DOMException('left the page', 'AbortError'))), {
        once: true,
      });
    });
  }
  return null;
}

/** Activation: disabled, test groups (named) or all users. */
export function activationPanel(integration, ctx, groups) {
  const area = messageArea();
  const current = integration.activation;
  const writable = ctx.can('integrations', 'write');
  const modes = [
    ['disabled', 'Disabled', 'The integration takes no part in verdicts.'],
    ['test-groups', 'Test groups', 'Only users in the groups below; try it before rolling out.'],
    ['all-users', 'All users', 'Every user of every application.'],
  ];
  const groupInput = h('input', {
    type: 'text',
    name: 'groups',
    value: current.groups.join(', '),
    class: 'wide',
    list: 'known-groups',
    disabled: !writable,
    autocomplete: 'off',
  });
  const groupField = field(
    'Groups (comma-separated)',
    groupInput,
    groups.length ? `Known groups: ${groups.map((g) => g.name).join(', ')}` : 'Put users in groups on the Users & groups page.',
  );
  const radios = modes.map(([value, label, hint]) =>
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'radio', name: 'mode', value, checked: current.mode === value, disabled: !writable }),
      h('span', {}, h('strong', {}, label), ` — ${hint}`),
    ),
  );
  const submit = writable ? h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save activation') : null;
  const form = h(
    'form',
    {
      on: {
        change: () => (groupField.hidden = form.elements.namedItem('mode').value !== 'test-groups'),
        submit: async (event) => {
          event.preventDefault();
          const mode = form.elements.namedItem('mode').value;
          const body = {
            mode,
            ...(mode === 'test-groups'
              ? {
                  groups: groupInput.value
                    .split(',')
                    .map((g) => g.trim())
                    .filter(Boolean),
                }
              : {}),
          };
          const saved = await busy(
            submit,
            area,
            () => api('PUT', `/admin/v1/integrations/${enc(integration.id)}/activation`, { body }),
            form,
          );
          if (!saved) return;
          announce('Activation saved.');
          // Saved all the same; a test group no known user is in is said (the server words it).
          const warnings = Array.isArray(saved.warnings) ? saved.warnings.filter((w) => typeof w === 'string') : [];
          const warned = warnings.length > 0 ? ` ${warnings.map((w) => `Warning: ${w}.`).join(' ')}` : '';
          await ctx.refresh(
            `Activation saved: ${humanize(saved.activation.mode)}${saved.activation.groups.length ? ` (${saved.activation.groups.join(', ')})` : ''}.${warned}`,
          );
        },
      },
    },
    h('fieldset', {}, h('legend', {}, 'Apply this integration to'), h('div', { class: 'stack' }, radios)),
    groupField,
    h(
      'datalist',
      { id: 'known-groups' },
      groups.map((g) => h('option', { value: g.name })),
    ),
    submit,
    area.el,
  );
  groupField.hidden = current.mode !== 'test-groups';
  return panel('Activation', form);
}

/** "Check if devices have synced": one identifier looked up in this integration's inventory. */
export function identifierPanel(integration) {
  const area = messageArea();
  const result = h('div', { 'aria-live': 'polite' });
  const input = h('input', {
    type: 'search',
    name: 'identifier',
    required: true,
    class: 'wide',
    spellcheck: false,
    placeholder: 'Serial number, hardware UUID, MachineGuid or MAC',
  });
  const submit = h('button', { type: 'submit', class: 'btn' }, 'Check');
  const form = h(
    'form',
    {
      class: 'inline',
      on: {
        submit: async (event) => {
          event.preventDefault();
          result.replaceChildren();
          const answer = await busy(
            submit,
            area,
            () => get(`/admin/v1/integrations/${enc(integration.id)}/identifiers/${enc(input.value.trim())}`),
            form,
          );
          if (!answer) return;
          const when = answer.syncedAt ? ['as of ', fmtTime(answer.syncedAt)] : ['no sync or upload yet'];
          if (!answer.found) {
            result.replaceChildren(
              h('p', { class: 'msg msg-warn' }, `No device with "${input.value.trim()}" in this inventory (`, when, ').'),
            );
            return;
          }
          const device = answer.device;
          result.replaceChildren(
            h('p', { class: 'msg msg-ok' }, 'Found — this device has synced (', when, ').'),
            facts(
              Object.entries(device)
                .filter(([k]) => k !== 'raw')
                .map(([k, v]) => [humanize(k), plain(v)]),
            ),
          );
        },
      },
    },
    field('Identifier', input),
    submit,
  );
  return panel(
    'Check if devices have synced',
    h('p', { class: 'muted' }, 'Case, braces, dashes and spaces do not matter.'),
    form,
    area.el,
    result,
  );
}
