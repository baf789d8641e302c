import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { SyncRun, SyncStatus, SyncTrigger } from '../../domain/sync-run.js';
import type { SyncRunRow } from '../rows.js';

function toRun(row: SyncRunRow): SyncRun {
  return {
    id: row.id,
    integrationId: row.integration_id,
    status: row.status as SyncStatus,
    trigger: row.trigger as SyncTrigger,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? null,
    pages: Number(row.pages),
    devices: Number(row.devices),
    error: row.error ?? null,
    node: row.node ?? null,
    cancelRequestedAt: row.cancel_requested_at ?? null,
    allowEmpty: Boolean(row.allow_empty),
    errorCode: row.error_code ?? null,
  };
}

export class SyncRunsRepo {
  constructor(private readonly db: Knex) {}

  /** `allowEmpty`: an admin confirmed this run may empty the inventory (see SyncRun). */
  async start(integrationId: string, trigger: SyncTrigger, node: string, options: { allowEmpty?: boolean } = {}): Promise<SyncRun> {
    const row: SyncRunRow = {
      id: `sync_${randomUUID()}`,
      integration_id: integrationId,
      status: 'running',
      trigger,
      started_at: Date.now(),
      pages: 0,
      devices: 0,
      node,
      allow_empty: options.allowEmpty === true,
    };
    await this.db('sync_runs').insert(row);
    return toRun(row);
  }

  async progress(id: string, pages: number, devices: number): Promise<void> {
    await this.db('sync_runs').where({ id }).update({ pages, devices });
  }

  async finish(
    id: string,
    status: Exclude<SyncStatus, 'running'>,
    fields: { pages: number; devices: number; error?: string | null; errorCode?: string | null },
  ): Promise<void> {
    await this.db('sync_runs')
      .where({ id })
      .update({
        status,
        finished_at: Date.now(),
        pages: fields.pages,
        devices: fields.devices,
        error: fields.error ?? null,
        error_code: fields.errorCode ?? null,
      });
  }

  async get(id: string): Promise<SyncRun | null> {
    const row = await this.db<SyncRunRow>('sync_runs').where({ id }).first();
    return row ? toRun(row) : null;
  }

  async list(integrationId: string, limit = 50): Promise<SyncRun[]> {
    return (await this.db<SyncRunRow>('sync_runs').where({ integration_id: integrationId }).orderBy('started_at', 'desc').limit(limit)).map(
      toRun,
    );
  }

  /** The run of this integration still marked running, if any. */
  async running(integrationId: string): Promise<SyncRun | null> {
    const row = await this.db('sync_runs')
      .where({ integration_id: integrationId, status: 'running' })
      .orderBy('started_at', 'desc')
      .first();
    return row ? toRun(row) : null;
  }

  /** Asks for a running run to stop; the process executing it sees this on its next check. */
  async requestCancel(id: string, at: number): Promise<boolean> {
    return (await this.db('sync_runs').where({ id, status: 'running' }).update({ cancel_requested_at: at })) > 0;
  }

  async cancelRequested(id: string): Promise<boolean> {
    const row = await this.db('sync_runs').where({ id }).first('cancel_requested_at');
    return row?.cancel_requested_at !== null && row?.cancel_requested_at !== undefined;
  }

  /** Runs left `running` by a process that died: marked failed at start-up or lease expiry. */
  async failAbandoned(integrationId: string, message: string): Promise<void> {
    await this.db('sync_runs')
      .where({ integration_id: integrationId, status: 'running' })
      .update({ status: 'failed', finished_at: Date.now(), error: message });
  }
}
