// The devtrust:// confirmation window. Runs sandboxed with no Node; talks to the main
// process only through window.devtrust (the preload). The collector supplies values, never
// sentences: each goes in its own labelled field via textContent, so no application or
// account name can write the question, add a line, or become markup.
import type { ConfirmationView, DevTrustApi } from '../preload/api.js';

declare global {
  interface Window {
    devtrust?: DevTrustApi;
  }
}

const byId = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

function field(list: HTMLElement, label: string, value: string, className = 'value'): void {
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  const span = document.createElement('span');
  span.className = className;
  span.textContent = value;
  dd.append(span);
  list.append(dt, dd);
}

function expiry(iso: string | null): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date.toLocaleTimeString();
}

function render(view: ConfirmationView | null): void {
  const list = byId('fields');
  list.replaceChildren();
  const hero = byId('hero');
  const allow = byId<HTMLButtonElement>('allow');
  const cancel = byId<HTMLButtonElement>('cancel');
  if (!view) {
    hero.dataset.state = 'attention';
    byId('headline').textContent = 'Nothing to confirm';
    byId('note').textContent = 'This request is no longer waiting for an answer.';
    allow.hidden = true;
    cancel.textContent = 'Close';
    return;
  }
  if (view.kind === 'refused') {
    hero.dataset.state = 'refused';
    byId('headline').textContent = 'Sign-in request refused';
    field(list, 'Collector', view.collector);
    byId('note').textContent = view.reason;
    allow.hidden = true;
    cancel.textContent = 'Close';
    cancel.focus();
    return;
  }
  hero.dataset.state = 'connected';
  byId('headline').textContent = 'Confirm a sign-in';
  field(list, 'Application', view.application);
  field(list, 'Account', view.username);
  field(list, 'Collector', view.collector);
  const expires = expiry(view.expiresAt);
  if (expires) field(list, 'Expires', expires, 'text');
  byId('note').textContent =
    'Allow tells this application, through the collector above, that this device is trusted for this account. Allow only if you started this sign-in yourself, just now, on this device.';
  allow.hidden = false;
  cancel.textContent = 'Cancel';
  // Enter and Space answer Cancel unless the user moves to Allow on purpose.
  cancel.focus();
}

const api = window.devtrust;

async function start(): Promise<void> {
  if (!api) {
    byId('headline').textContent = 'DevTrust could not load this request';
    return;
  }
  const answer = (allow: boolean) => {
    byId<HTMLButtonElement>('allow').disabled = true;
    byId<HTMLButtonElement>('cancel').disabled = true;
    void api.answerConfirmation(allow);
  };
  byId('allow').addEventListener('click', () => answer(true));
  byId('cancel').addEventListener('click', () => answer(false));
  render(await api.getConfirmation());
}

void start();
