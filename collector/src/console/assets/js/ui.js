/* global history */
// Shared pieces every page uses: messages, confirmations, shown-once secrets, busy buttons.
import { h } from './dom.js';
import { withQuery } from './api.js';

/** Speaks a short result through the page-wide polite live region. */
export function announce(text) {
  const live = document.getElementById('live');
  live.textContent = '';
  // A fresh text node after clearing makes screen readers repeat identical messages.
  queueMicrotask(() => (live.textContent = text));
}

/**
 * A message area for one section: `role=status` (polite) for results, switched to
 * `role=alert` for errors so they are read at once.
 */
export function messageArea() {
  const el = h('div', { class: 'msg', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    clear() {
      el.className = 'msg';
      el.setAttribute('role', 'status');
      el.replaceChildren();
    },
    show(tone, text, detail) {
      el.className = `msg msg-${tone}`;
      el.setAttribute('role', tone === 'error' ? 'alert' : 'status');
      el.replaceChildren(h('span', {}, text), ...(detail ? [h('span', { class: 'detail' }, detail)] : []));
    },
    error(error, form) {
      this.show('error', errorText(error), errorDetail(error));
      if (form) markField(form, error);
    },
  };
}

export function errorText(error) {
  if (error?.status === 403) return `Not allowed: ${error.message}`;
  return error?.message ?? String(error);
}

function errorDetail(error) {
  if (!error?.code) return null;
  const parts = [`${error.status || ''} ${error.code}`.trim()];
  if (error.field) parts.push(`field: ${error.field}`);
  return parts.join(' · ');
}

/** Flags the control the API named in `field` ("config.baseUrl" → name="config.baseUrl"). */
export function markField(form, error) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  if (!error?.field) return;
  const path = String(error.field);
  const control =
    [...form.elements].find((el) => el.name === path) ?? [...form.elements].find((el) => el.name && path.startsWith(`${el.name}.`));
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }
}

/** A whole-page failure (the list could not load). */
export function errorBlock(error) {
  const area = messageArea();
  area.error(error);
  return area.el;
}

/** Asks before a destructive action; resolves true only on an explicit confirm. */
export function confirmAction({ title, message, confirmLabel = 'Confirm', danger = true }) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-message').textContent = message;
  const ok = document.getElementById('confirm-ok');
  ok.textContent = confirmLabel;
  ok.className = danger ? 'btn btn-danger' : 'btn btn-primary';
  dialog.returnValue = '';
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        opener?.focus?.();
        resolve(dialog.returnValue === 'confirm');
      },
      { once: true },
    );
    dialog.showModal();
    // Cancel is the safe default for keyboard users who press Enter by habit.
    document.getElementById('confirm-cancel').focus();
  });
}

/**
 * A secret the API returns once (API key, client secret, enrollment key): read-only fields
 * with copy buttons and a warning, until the admin dismisses it.
 */
export function secretOnce({ title, warning, values, onDone }) {
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const rows = values.map(({ label, value }) => {
    const input = h('input', { type: 'text', value, readOnly: true, spellcheck: false, 'aria-label': label });
    const copy = h(
      'button',
      { type: 'button', class: 'btn btn-small', 'aria-label': `Copy ${label}`, on: { click: () => copyText(input, label, status) } },
      'Copy',
    );
    return h('div', { class: 'secret-row' }, h('strong', {}, label), input, copy);
  });
  const panel = h(
    'section',
    { class: 'panel secret', 'aria-label': title, tabindex: '-1' },
    h('h2', {}, title),
    h('p', {}, h('strong', {}, 'Shown once. '), warning),
    rows,
    status,
    h('button', { type: 'button', class: 'btn', on: { click: () => (panel.remove(), onDone?.()) } }, 'I have stored it'),
  );
  queueMicrotask(() => panel.focus());
  return panel;
}

async function copyText(input, label, status) {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = `${label} copied to the clipboard.`;
  } catch {
    // Clipboard access needs a secure context or permission; selecting lets the admin copy by hand.
    input.focus();
    input.select();
    status.textContent = `Select-and-copy: ${label} is selected, press Ctrl+C (⌘C).`;
  }
}

/**
 * Runs an async action from a button: disables it meanwhile, reports errors in `area`,
 * and returns the action's result (undefined on failure).
 */
export async function busy(button, area, action, form) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  area?.clear();
  try {
    return await action();
  } catch (error) {
    if (error?.name === 'AbortError') return undefined;
    if (area) area.error(error, form);
    else throw error;
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** Page header: h1 (focus target on navigation), a subtitle and optional actions. */
export function pageHead(title, subtitle, ...actions) {
  return h(
    'div',
    { class: 'page-head' },
    h('div', {}, h('h1', { tabindex: '-1' }, title), subtitle ? h('p', {}, subtitle) : null),
    actions.length ? h('div', { class: 'actions' }, actions) : null,
  );
}

export const loading = (what = 'Loading…') => h('p', { class: 'loading', role: 'status' }, what);

/**
 * One-shot values passed between pages in memory (a secret shown once on the next page):
 * never in the URL, storage or history.
 */
const handOffs = new Map();
export const handOff = (key, value) => handOffs.set(key, value);
export function takeHandOff(key) {
  const value = handOffs.get(key);
  handOffs.delete(key);
  return value;
}

/**
 * Keeps a page's filters in its URL (shareable, reloadable), unless the admin has left the
 * page: aborted, or the address already names another page. The second check matters when a
 * navigation has changed the address but its hashchange has not been handled yet: written
 * then, the old page's address would replace the new one and the new page would never show.
 */
export function keepQueryInUrl(path, params, signal) {
  if (signal.aborted) return;
  const current = location.hash.replace(/^#\/?/, '').split('?')[0];
  if (current !== path.replace(/^#\/?/, '')) return;
  history.replaceState(null, '', withQuery(path, params));
}
