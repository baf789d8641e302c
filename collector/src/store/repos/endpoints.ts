import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { identifiersOf, type Platform } from '@devtrust/shared/identity';
import { LIMITS, type Report } from '@devtrust/shared/protocol';
import { insertChunked } from '../dialect.js';
import { fromJson, toBool, toJson } from '../json.js';
import type { Endpoint, Verdict } from '../types.js';

function toEndpoint(row: Record<string, unknown>): Endpoint {
  const macs = fromJson<string[]>(row.mac_addresses, []);
  return {
    id: row.id as string,
    publicKey: row.public_key as string,
    enrolledAt: row.enrolled_at as number,
    lastSeenAt: row.last_seen_at as number,
    lastSeq: Number(row.last_seq),
    platform: (row.platform as Platform | null) ?? null,
    hostname: (row.hostname as string | null) ?? null,
    identifiers: {
      ...(row.hardware_uuid ? { hardwareUuid: row.hardware_uuid as string } : {}),
      ...(row.serial_number ? { serialNumber: row.serial_number as string } : {}),
      ...(row.machine_guid ? { machineGuid: row.machine_guid as string } : {}),
      ...(macs.length > 0 ? { macAddresses: macs } : {}),
    },
    report: fromJson<Report | null>(row.report, null),
    blocked: toBool(row.blocked),
    lastUser: (row.last_user as string | null) ?? null,
    lastVerdict: fromJson(row.last_verdict, null),
  };
}

export interface ReportToStore {
  endpointId: string;
  seq: number;
  report: Report;
  at: number;
}

export interface EndpointQuery {
  q?: string;
  limit?: number;
  offset?: number;
}

export class EndpointsRepo {
  constructor(private readonly db: Knex) {}

  async enroll(publicKey: string): Promise<Endpoint> {
    const now = Date.now();
    const existing = await this.db('endpoints').where({ public_key: publicKey }).first();
    if (existing) return toEndpoint(existing);
    const row = { id: `ep_${randomUUID()}`, public_key: publicKey, enrolled_at: now, last_seen_at: now, last_seq: 0, blocked: false };
    await this.db('endpoints').insert(row);
    return toEndpoint(row);
  }

  async get(id: string): Promise<Endpoint | null> {
    const row = await this.db('endpoints').where({ id }).first();
    return row ? toEndpoint(row) : null;
  }

  async list(query: EndpointQuery = {}): Promise<Endpoint[]> {
    let builder = this.db('endpoints').orderBy('last_seen_at', 'desc');
    if (query.q) {
      const like = `%${query.q.toLowerCase()}%`;
      const upper = `%${query.q.toUpperCase().replace(/[\s{}\-:]/g, '')}%`;
      builder = builder.where((w) =>
        w
          .whereRaw('lower(hostname) like ?', [like])
          .orWhere('serial_number', 'like', upper)
          .orWhere('hardware_uuid', 'like', upper)
          .orWhere('machine_guid', 'like', upper)
          .orWhereRaw('lower(last_user) like ?', [like])
          .orWhere('id', query.q),
      );
    }
    return (await builder.limit(query.limit ?? 500).offset(query.offset ?? 0)).map(toEndpoint);
  }

  /** Stores one verified report; see recordReports. */
  async recordReport(id: string, seq: number, report: Report, at: number): Promise<boolean> {
    const [stored] = await this.recordReports([{ endpointId: id, seq, report, at }]);
    return stored === true;
  }

  /**
   * Stores verified reports in one transaction (group commit). A report is stored only
   * when its sequence is higher than the endpoint's last one: the conditional update is
   * the replay check, safe across collector processes. Returns, per report, whether it
   * was stored. Reports of one endpoint must come in sequence order.
   */
  async recordReports(items: ReportToStore[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    return this.db.transaction(async (trx) => {
      const stored: boolean[] = [];
      for (const { endpointId, seq, report, at } of items) {
        const ids = identifiersOf(report.identity);
        const updated = await trx('endpoints')
          .where({ id: endpointId })
          .andWhere('last_seq', '<', seq)
          .update({
            last_seq: seq,
            last_seen_at: at,
            platform: report.identity.platform ?? null,
            hostname: report.identity.hostname ?? null,
            hardware_uuid: ids.hardwareUuid ?? null,
            serial_number: ids.serialNumber ?? null,
            machine_guid: ids.machineGuid ?? null,
            mac_addresses: toJson(ids.macAddresses ?? []),
            report: toJson(report),
            ...(report.user ? { last_user: report.user } : {}),
          });
        stored.push(updated > 0);
      }
      const accepted = items.filter((_, i) => stored[i]);
      if (accepted.length > 0) {
        await insertChunked(
          trx,
          'reports',
          accepted.map((r) => ({ endpoint_id: r.endpointId, received_at: r.at, seq: r.seq, body: toJson(r.report) })),
        );
        // Bounded history: the last N stored reports per endpoint, whatever their sequence
        // numbers (an agent skips numbers for every send that failed, e.g. through a
        // database fault; counting numbers would empty the history). Each endpoint's rows
        // older than its Nth newest go, found on the (endpoint_id, id) index.
        const endpointIds = [...new Set(accepted.map((r) => r.endpointId))];
        for (let i = 0; i < endpointIds.length; i += 200) {
          await trx('reports')
            .whereIn('endpoint_id', endpointIds.slice(i, i + 200))
            .andWhere('id', '<', (nth: Knex.QueryBuilder) =>
              nth
                .select('newer.id')
                .from('reports as newer')
                .whereRaw('newer.endpoint_id = reports.endpoint_id')
                .orderBy('newer.id', 'desc')
                .limit(1)
                .offset(LIMITS.reportHistory - 1),
            )
            .delete();
        }
      }
      return stored;
    });
  }

  async history(id: string): Promise<{ receivedAt: number; seq: number; report: Report }[]> {
    const rows = await this.db('reports').where({ endpoint_id: id }).orderBy('id', 'desc');
    return rows.map((r) => ({ receivedAt: r.received_at as number, seq: Number(r.seq), report: fromJson<Report>(r.body, {} as Report) }));
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db('endpoints').where({ id }).update({ last_seen_at: at });
  }

  async setBlocked(id: string, blocked: boolean): Promise<boolean> {
    return (await this.db('endpoints').where({ id }).update({ blocked })) > 0;
  }

  async setLastVerdict(id: string, username: string, verdict: Verdict & { at: number; transactionId: string }): Promise<void> {
    await this.db('endpoints')
      .where({ id })
      .update({ last_user: username, last_verdict: toJson(verdict) });
  }

  async forget(id: string): Promise<boolean> {
    return (await this.db('endpoints').where({ id }).delete()) > 0;
  }

  /** How many enrolled endpoints report each given identifier value (duplicate detection). */
  async countReporting(column: 'hardware_uuid' | 'serial_number' | 'machine_guid', value: string): Promise<number> {
    const row = await this.db('endpoints').where(column, value).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** Identifier values that several endpoints report: a cloned image or a placeholder we do not know. */
  async duplicateIdentifiers(): Promise<{ kind: string; value: string; endpointIds: string[] }[]> {
    const out: { kind: string; value: string; endpointIds: string[] }[] = [];
    for (const [kind, column] of [
      ['hardwareUuid', 'hardware_uuid'],
      ['serialNumber', 'serial_number'],
      ['machineGuid', 'machine_guid'],
    ] as const) {
      const dupes = await this.db('endpoints').select(column).whereNotNull(column).groupBy(column).havingRaw('count(*) > 1');
      for (const dupe of dupes) {
        const value = dupe[column] as string;
        const ids = await this.db('endpoints').where(column, value).pluck('id');
        out.push({ kind, value, endpointIds: ids as string[] });
      }
    }
    return out;
  }

  async staleSince(before: number): Promise<Endpoint[]> {
    return (await this.db('endpoints').where('last_seen_at', '<', before).orderBy('last_seen_at')).map(toEndpoint);
  }
}
