import type { Knex } from 'knex';
import { fromJson, toJson } from '../json.js';
import {
  changedFields,
  type AdminActor,
  type AdminActorKind,
  type AdminChange,
  type AdminLogEntry,
  type AdminLogPage,
  type AdminLogQuery,
  type AdminResourceType,
} from '../../domain/admin-log.js';
import type { AdminLogRow } from '../rows.js';

function toEntry(row: AdminLogRow): AdminLogEntry {
  const before = row.before === null ? null : fromJson<unknown>(row.before, null);
  const after = row.after === null ? null : fromJson<unknown>(row.after, null);
  return {
    id: Number(row.id),
    at: row.at,
    actor: {
      kind: row.actor_kind as AdminActorKind,
      keyId: row.actor_key_id ?? null,
      keyName: row.actor_key_name ?? null,
      address: row.source_address ?? null,
      userAgent: row.user_agent ?? null,
    },
    resourceType: row.resource_type as AdminResourceType,
    resourceId: row.resource_id ?? null,
    action: row.action,
    before,
    after,
    changed: changedFields(before, after),
  };
}

/** Values cut to their column's width: a long user agent must not fail the change it records. */
const fit = (value: string | null, max: number): string | null => (value === null ? null : value.slice(0, max));

export class AdminLogRepo {
  constructor(private readonly db: Knex) {}

  /** Appends one entry; called with a transaction's store, it commits with the change it records. */
  async append(actor: AdminActor, change: AdminChange, at = Date.now()): Promise<void> {
    await this.db('admin_log').insert({
      at,
      actor_kind: actor.kind,
      actor_key_id: fit(actor.keyId, 64),
      actor_key_name: fit(actor.keyName, 200),
      source_address: fit(actor.address, 64),
      user_agent: fit(actor.userAgent, 512),
      resource_type: change.resourceType,
      resource_id: fit(change.resourceId, 256),
      action: change.action.slice(0, 64),
      before: change.before === undefined ? null : toJson(change.before),
      after: change.after === undefined ? null : toJson(change.after),
    } satisfies Omit<AdminLogRow, 'id'>);
  }

  /** One page, newest first, and how many entries match the filters across every page. */
  async query(query: AdminLogQuery): Promise<AdminLogPage> {
    const filtered = (): Knex.QueryBuilder => {
      let q = this.db('admin_log');
      if (query.resourceType !== undefined) q = q.where('resource_type', query.resourceType);
      if (query.resourceId !== undefined) q = q.where('resource_id', query.resourceId);
      if (query.action !== undefined) q = q.where('action', query.action);
      if (query.actorKeyId !== undefined) q = q.where('actor_key_id', query.actorKeyId);
      if (query.since !== undefined) q = q.where('at', '>=', query.since);
      if (query.until !== undefined) q = q.where('at', '<', query.until);
      return q;
    };
    let page = filtered()
      .orderBy('id', 'desc')
      .limit(query.limit + 1);
    if (query.beforeId !== undefined) page = page.where('id', '<', query.beforeId);
    const [rows, counted] = await Promise.all([page as Promise<AdminLogRow[]>, filtered().count({ n: '*' }).first()]);
    const entries = rows.slice(0, query.limit).map(toEntry);
    const more = rows.length > query.limit;
    return { entries, total: Number(counted?.n ?? 0), nextBeforeId: more ? (entries.at(-1)?.id ?? null) : null };
  }

  /** Retention: deletes entries older than `before` (ms since the epoch); returns how many. */
  async purgeBefore(before: number): Promise<number> {
    return this.db('admin_log').where('at', '<', before).delete();
  }
}
