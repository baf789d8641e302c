// The status window. Runs sandboxed with no Node; talks to the main process only
// through window.devtrust (the preload). Builds the page with textContent only, so no
// value from the collector or the OS can become markup.
import type { CopyableField, DevTrustApi, StatusView } from '../preload/api.js';

declare global {
  interface Window {
    devtrust?: DevTrustApi;
  }
}

type Tone = 'good' | 'bad' | 'warn' | 'unknown';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string | null, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const byId = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const pill = (text: string, tone: Tone) => el('span', text, `pill ${tone}`);

function when(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** One label/value line; identifiers are monospaced (people read them out to the help desk). */
function row(list: HTMLElement, label: string, value: string | null, options: { copy?: CopyableField; plain?: boolean } = {}): void {
  const { copy, plain } = options;
  const dd = el('dd');
  dd.append(value ? el('span', value, plain ? 'text' : 'value') : el('span', 'not reported', 'absent'));
  if (value && copy && api) {
    const button = el('button', 'Copy', 'copy');
    button.type = 'button';
    button.title = `Copy ${label}`;
    button.addEventListener('click', () => void api?.copyIdentifier(copy));
    dd.append(button);
  }
  list.append(el('dt', label), dd);
}

function renderVerdict(view: StatusView): void {
  const box = byId('verdict');
  box.replaceChildren();
  if (!view.verdict) {
    box.append(el('p', 'No sign-in has been checked on this device yet.', 'empty'));
    return;
  }
  const line = el('div', null, 'verdict-line');
  const trusted = view.verdict.verdict === 'trusted';
  line.append(pill(trusted ? 'Trusted' : 'Not trusted', trusted ? 'good' : 'bad'));
  line.append(pill(view.verdict.access === 'allow' ? 'Access allowed' : 'Access denied', view.verdict.access === 'allow' ? 'good' : 'bad'));
  const time = el('time', when(view.verdict.at));
  time.dateTime = view.verdict.at;
  line.append(time);
  const reasons = el('ul', null, 'reasons');
  for (const reason of view.verdict.reasons) reasons.append(el('li', reason));
  box.append(line, reasons);
}

const LINK_WORDS: Record<StatusView['connection']['link'], [string, Tone]> = {
  connected: ['Connected', 'good'],
  connecting: ['Connecting…', 'warn'],
  offline: ['Offline', 'bad'],
  refused: ['Refused', 'bad'],
  stopped: ['Stopped', 'unknown'],
  'not-configured': ['Not set up', 'bad'],
};

function renderConnection(view: StatusView): void {
  const list = byId('connection');
  list.replaceChildren();
  const [word, tone] = LINK_WORDS[view.connection.link];
  const session = el('dd');
  session.append(pill(word, tone));
  list.append(el('dt', 'Session'), session);
  row(list, 'Collector', view.connection.collector);
  // The same enrollment under the collector's new address: why the endpoint ID did not change.
  const moved = view.connection.movedFrom;
  if (moved) row(list, 'Moved from', `${moved.collector} on ${when(moved.at)}`, { plain: true });
  row(list, 'Endpoint ID', view.connection.endpointId, { copy: 'endpointId' });
  row(list, 'Last report', view.connection.lastReportAt ? when(view.connection.lastReportAt) : null, { plain: true });
  row(list, 'Browser door', view.connection.loopbackPort ? `127.0.0.1:${view.connection.loopbackPort}` : null);
  if (view.connection.lastError) row(list, 'Last error', view.connection.lastError, { plain: true });
}

const PLATFORMS: Record<string, string> = { windows: 'Windows', macos: 'macOS', linux: 'Linux' };

function renderIdentity(view: StatusView): void {
  const list = byId('identity');
  list.replaceChildren();
  const id = view.identity;
  row(list, 'Name', id.hostname, { copy: 'hostname' });
  row(list, 'System', [id.platform ? (PLATFORMS[id.platform] ?? id.platform) : null, id.osVersion].filter(Boolean).join(' ') || null, {
    plain: true,
  });
  row(list, 'Serial number', id.serialNumber, { copy: 'serialNumber' });
  row(list, 'Hardware UUID', id.hardwareUuid, { copy: 'hardwareUuid' });
  if (id.platform === 'windows' || id.machineGuid) row(list, 'MachineGuid', id.machineGuid, { copy: 'machineGuid' });
  row(list, 'MAC addresses', id.macAddresses.length > 0 ? id.macAddresses.join(', ') : null);
}

function renderEdr(view: StatusView): void {
  const box = byId('edr');
  box.replaceChildren();
  if (view.edr.length === 0) {
    box.append(el('p', 'No endpoint security agent (EDR) was found on this device.', 'empty'));
    return;
  }
  const table = el('table');
  const head = el('tr');
  head.append(el('th', 'Product'), el('th', 'State'), el('th', 'Connector ID'));
  table.append(head);
  for (const edr of view.edr) {
    const tr = el('tr');
    const state = el('td');
    if (edr.running) state.append(pill('Running', 'good'));
    else if (edr.installed) state.append(pill('Installed, not running', 'warn'));
    else if (edr.installed === false) state.append(pill('Not installed', 'bad'));
    else state.append(pill('Unknown', 'unknown'));
    const connector = el('td');
    connector.append(edr.connectorId ? el('span', edr.connectorId, 'value') : el('span', '—', 'absent'));
    connector.className = 'connector';
    tr.append(el('td', edr.name), state, connector);
    table.append(tr);
  }
  box.append(table);
}

const POSTURE: Array<[keyof StatusView['posture'], string]> = [
  ['diskEncryption', 'Disk encryption'],
  ['firewall', 'Firewall'],
  ['screenLock', 'Screen lock'],
  ['passwordSet', 'Password set'],
];

function renderPosture(view: StatusView): void {
  const box = byId('posture');
  box.replaceChildren();
  for (const [key, label] of POSTURE) {
    const value = view.posture[key];
    const item = el('span', null, 'item');
    item.append(el('span', label), value === true ? pill('On', 'good') : value === false ? pill('Off', 'bad') : pill('Unknown', 'unknown'));
    box.append(item);
  }
  if (view.posture.osBuild) {
    const item = el('span', null, 'item');
    item.append(el('span', 'OS build'), el('span', view.posture.osBuild, 'value'));
    box.append(item);
  }
}

function render(view: StatusView): void {
  const hero = byId('hero');
  hero.dataset.state = view.state;
  byId('headline').textContent = view.headline;
  const detail = byId('detail');
  detail.textContent = view.detail ?? '';
  detail.hidden = !view.detail;
  byId<HTMLButtonElement>('check-now').disabled = view.connection.link !== 'connected';
  renderVerdict(view);
  renderConnection(view);
  renderIdentity(view);
  renderEdr(view);
  renderPosture(view);
  byId('managed').textContent = view.managed.byOrganization ? 'Managed by your organization' : '';
  byId('support').hidden = !view.managed.supportUrl;
  byId('version').textContent = `DevTrust ${view.version}`;
}

const api = window.devtrust;

async function start(): Promise<void> {
  if (!api) {
    byId('headline').textContent = 'DevTrust could not load its status';
    return;
  }
  api.onStatus(render);
  byId('check-now').addEventListener('click', async (event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    button.textContent = 'Checking…';
    try {
      render(await api.checkNow());
    } finally {
      button.textContent = 'Check now';
    }
  });
  byId('open-logs').addEventListener('click', () => void api.openLogs());
  byId('support').addEventListener('click', () => void api.openSupport());
  render(await api.getStatus());
}

void start();
