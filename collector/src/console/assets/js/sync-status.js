// How an integration's syncs stand, as the dashboard and the integrations list show them.
import { badge, fmtAgo, h } from './dom.js';

const ATTEMPT_TONES = { failed: 'bad', cancelled: 'bad', running: 'info' };

/**
 * "Last sync": when the inventory in use was taken (`syncedAt`, the last sync that succeeded),
 * or "never". Not the latest attempt: a failed one keeps the old inventory, which is what
 * matching reads, so showing the attempt's time would make a days-old inventory look fresh.
 */
export function lastSyncCell(integration) {
  return integration.syncedAt ? fmtAgo(integration.syncedAt) : h('span', { class: 'muted' }, 'never');
}

/**
 * The latest attempt when it did not succeed (failed, cancelled or still running): its status,
 * when, and for a failure its stable code and message. A dash when it succeeded (it is the
 * last sync) or there was none.
 */
export function latestAttemptCell(run) {
  if (!run || run.status === 'succeeded') return h('span', { class: 'muted' }, '—');
  const when = run.status === 'running' ? run.startedAt : (run.finishedAt ?? run.startedAt);
  const why = [run.errorCode ? h('code', {}, run.errorCode) : null, run.error].filter(Boolean);
  const said = why.flatMap((part, i) => (i === 0 ? [' ', part] : [': ', part]));
  return h('span', {}, badge(run.status, ATTEMPT_TONES[run.status] ?? ''), ' ', fmtAgo(when), ...said);
}
