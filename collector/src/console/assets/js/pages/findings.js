// Findings: what needs an admin's attention, worst first.
import { get } from '../api.js';
import { badge, h, humanize, link, put } from '../dom.js';
import { errorBlock, pageHead } from '../ui.js';

const SEVERITIES = [
  ['error', 'Errors', 'bad'],
  ['warning', 'Warnings', 'warn'],
  ['info', 'Information', 'info'],
];

export async function render(root, ctx) {
  put(root, pageHead('Findings', 'Duplicate and placeholder identifiers, failing syncs and agents that stopped reporting.'));
  let findings;
  let counts;
  try {
    ({ findings, counts } = await get('/admin/v1/findings', { signal: ctx.signal }));
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(root, errorBlock(error));
    return;
  }
  if (findings.length === 0) {
    put(root, h('p', { class: 'panel' }, 'No findings: nothing needs your attention.'));
    return;
  }
  // Severities the console does not know yet are still shown, after the known ones.
  const known = new Set(SEVERITIES.map(([s]) => s));
  const extra = [...new Set(findings.map((f) => f.severity).filter((s) => !known.has(s)))].map((s) => [s, humanize(s), '']);
  for (const [severity, title, tone] of [...SEVERITIES, ...extra]) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    // Each type lists its first findings and one "more" finding for the rest: the badge counts them all.
    const count = counts?.[severity] ?? group.filter((f) => f.type !== 'more-findings').length;
    put(
      root,
      h(
        'section',
        { class: 'panel', 'aria-label': title },
        h('h2', {}, badge(String(count), tone), ' ', title),
        group.map((f) =>
          h(
            'div',
            { class: `finding finding-${severity}` },
            h('div', {}, f.message),
            h(
              'div',
              { class: 'actions muted' },
              h('small', {}, humanize(f.type)),
              f.endpointId ? link('Open endpoint', 'endpoints', f.endpointId) : null,
              ...(f.endpointIds ?? []).map((id) => link(id, 'endpoints', id)),
              f.integrationId ? link('Open integration', 'integrations', f.integrationId) : null,
            ),
          ),
        ),
      ),
    );
  }
}
