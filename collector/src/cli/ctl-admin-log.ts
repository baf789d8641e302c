import { filtered, type CtlCommand, type CtlInput } from './ctl-commands.js';

/** The query string of the flags given (the filters pass through to the API unchanged). */
const query = (pairs: Record<string, string | undefined>): string => {
  const params = new URLSearchParams(Object.entries(pairs).filter((e): e is [string, string] => e[1] !== undefined));
  return params.size > 0 ? `?${params}` : '';
};

/** Who acted, as one cell: the key's name and id, or the collector itself; `(console)` when the console sent it. */
function actorCell(actor: Record<string, unknown> | undefined): string {
  const name = typeof actor?.keyName === 'string' ? actor.keyName : 'collector';
  const id = typeof actor?.keyId === 'string' ? ` ${actor.keyId}` : '';
  return `${name}${id}${actor?.kind === 'console' ? ' (console)' : ''}`;
}

/**
 * What an entry did, in one cell: an upload is its rows (and allowEmpty) put into the
 * integration, not a list of the run's fields; other entries list the fields they changed.
 */
function changedCell(e: Record<string, unknown>): string | null {
  const after = (e.after ?? {}) as Record<string, unknown>;
  if (e.resourceType === 'integration' && e.action === 'upload' && typeof after.rows === 'number') {
    const rows = `${after.rows} ${after.rows === 1 ? 'row' : 'rows'}`;
    const devices = `${String(after.devices)} ${after.devices === 1 ? 'device' : 'devices'}`;
    return `uploaded ${rows}${after.allowEmpty === true ? ' (allowEmpty)' : ''}: ${String(after.status)}, ${devices}`;
  }
  // A release and a forget record what they did: that, not the fields' names.
  const released = after.release as
    { bulk?: boolean; identifierCount?: number; freedCount?: number; stillPendingCount?: number } | undefined;
  if (e.action === 'release' && released)
    return `released${released.bulk === true ? ' (bulk)' : ''}: ${released.identifierCount} identifiers, ${released.freedCount} freed, ${released.stillPendingCount} still pending`;
  const forgot = after.forget as { identifierCount?: number; stillPendingCount?: number } | undefined;
  if (e.action === 'forget' && forgot)
    return `deleted: ${forgot.identifierCount} identifiers given up, ${forgot.stillPendingCount} waiting on it left pending`;
  return Array.isArray(e.changed) && e.changed.length > 0 ? e.changed.join(', ') : null;
}

/** The command line that reads the page after this one: the same flags, the next cursor. */
function nextPageHint(body: Record<string, unknown>, input: CtlInput): string | null {
  const total = typeof body.total === 'number' ? body.total : null;
  const shown = Array.isArray(body.entries) ? body.entries.length : 0;
  const lines = [`${shown} of ${total ?? '?'} matching ${total === 1 ? 'entry' : 'entries'}, newest first.`];
  if (typeof body.nextCursor === 'string') {
    const flags = Object.entries(input.flags)
      .filter(([name, value]) => name !== 'cursor' && value !== undefined)
      .map(([name, value]) => `--${name} ${JSON.stringify(value)}`);
    lines.push(`Next page: devtrustctl admin-log ${[...flags, `--cursor ${body.nextCursor}`].join(' ')}`);
  }
  return lines.join('\n');
}

/** `devtrustctl admin-log`: the administrator actions log, one page at a time (docs/admin-api.md). */
export const adminLogCommand: CtlCommand = {
  name: 'admin-log',
  usage:
    '[--resource-type TYPE] [--resource-id ID] [--action ACTION] [--actor-key-id KEY_ID] [--since DATE] [--until DATE] [--limit N] [--cursor C]',
  about: 'the administrator actions log: who changed what, when and from where (newest first, one page)',
  flags: ['resource-type', 'resource-id', 'action', 'actor-key-id', 'since', 'until', 'limit', 'cursor'],
  request: (i) => ({
    method: 'GET',
    path: `/admin/v1/admin-log${query({
      resourceType: i.flags['resource-type'],
      resourceId: i.flags['resource-id'],
      action: i.flags.action,
      actorKeyId: i.flags['actor-key-id'],
      since: i.flags.since,
      until: i.flags.until,
      limit: i.flags.limit,
      cursor: i.flags.cursor,
    })}`,
  }),
  table: {
    key: 'entries',
    columns: ['at', 'actor', 'from', 'resource', 'action', 'changed'],
    empty: (i) => (filtered(i) ? 'No administrator actions match these filters.' : 'No administrator actions yet.'),
    row: (e) => {
      const actor = e.actor as Record<string, unknown> | undefined;
      return {
        at: e.at,
        actor: actorCell(actor),
        from: actor?.address ?? null,
        resource: [e.resourceType, e.resourceId].filter((v) => typeof v === 'string').join(' '),
        action: e.action,
        changed: changedCell(e),
      };
    },
    footer: nextPageHint,
  },
};
