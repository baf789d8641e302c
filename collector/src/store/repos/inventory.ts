import type { Knex } from 'knex';
import { isSqlite } from '../dialect.js';
import type { Platform } from '@devtrust/shared/identity';
import { selectCompiled } from '../compiled.js';
import { chunksByParameters } from '../in-lists.js';
import { fromJson, toJson, toNullableBool } from '../json.js';
import type { IdentifierKind } from '../../domain/identifiers.js';
import type { InventoryFindings, InventoryRecordName, StagedRecord, StoredInventoryRecord } from '../../domain/inventory.js';
import type { SingleIdentifierKind } from '../../domain/identifiers.js';
import { IDENTIFIER_COLUMNS } from '../identifier-columns.js';
import type { InventoryRecordRow } from '../rows.js';
import { BackgroundWrites } from '../background-writes.js';
import { pageWriterFor, type PageWriter } from './inventory-writes.js';
import { countInventoryFindings, currentInventoryFindings, recordsHolding } from './inventory-findings.js';

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function toRecord(row: InventoryRecordRow): StoredInventoryRecord {
  return {
    id: row.id,
    integrationId: row.integration_id,
    externalId: row.external_id ?? null,
    hardwareUuid: row.hardware_uuid ?? null,
    serialNumber: row.serial_number ?? null,
    machineGuid: row.machine_guid ?? null,
    mdmDeviceId: row.mdm_device_id ?? null,
    deviceName: row.device_name ?? null,
    platform: (row.platform as Platform | null) ?? null,
    owner: row.owner ?? null,
    managed: toNullableBool(row.managed),
    edr:
      row.edr_status === null || row.edr_status === undefined
        ? null
        : {
            connectorId: row.edr_connector_id ?? null,
            status: row.edr_status as 'compromised' | 'clean' | 'unknown',
            detail: row.edr_detail ?? null,
            seenAt: row.edr_seen_at ?? null,
          },
    posture: postureOf(row),
    raw: fromJson<Record<string, unknown>>(row.raw, {}),
  };
}

function postureOf(row: InventoryRecordRow): StoredInventoryRecord['posture'] {
  const posture = {
    diskEncryption: toNullableBool(row.posture_disk_encryption),
    firewall: toNullableBool(row.posture_firewall),
    osVersion: row.posture_os_version ?? null,
  };
  return Object.values(posture).every((v) => v === null) ? null : posture;
}

/**
 * Records per write while staging a generation. With nothing else running, a part is as large
 * as the database takes well (a Kandji page of 300 is one statement, one commit: fewer
 * statements and commits, a faster sync); on SQLite no more than 300, because the first part of
 * a re-upload is written before the store knows it is busy and holds the one writer for all its
 * records (docs/performance.md, "Sync speed and memory", fourth round). While the store is busy with other work (decisions,
 * reports: background-writes.ts), SQLite's parts are small, because its one connection runs
 * every write in turn and a decision's write may wait for a whole part (100 records with their
 * indexes: 1–2 ms on a quiet machine). A page is cut into equal parts (a page of 300 is three
 * writes of 100 while busy, not 100, 100 and 100 by luck). PostgreSQL's writers do not queue
 * behind one another, but a part's rows are encoded in one stretch of the event loop (up to 500),
 * and while busy its parts are small too: a part of 500 is a burst of the server's CPU that the
 * decisions then queue behind on a small machine (beside a sync, paired runs at 500 decisions a
 * second: p99 197–288 ms with parts of 500, 83–92 ms with parts of 100, the sync as fast).
 */
const INSERT_CHUNK = { sqlite: { free: 300, busy: 100 }, postgres: { free: 500, busy: 100 } };
/** Deleting a record costs about what inserting it did: the same bound on SQLite. */
const DELETE_CHUNK = { sqlite: 500, postgres: 2_000 };
/** Records returned per identifier lookup: more holding one identifier is a duplicate whatever their number. */
const LOOKUP_LIMIT = 50;
/**
 * Lookups united in one statement by findByIdentifiersForEach: SQLite refuses a compound SELECT
 * of more than 500 members, and a page of 50 devices with a few identifiers each fits in one or two.
 */
const MEMBERS_PER_STATEMENT = 200;
/** What one member of a united lookup (lookupMember) binds: its value, the integration ids, its limit. */
const memberParameters = (integrationIds: readonly string[]): number => integrationIds.length + 2;

/**
 * Inventory records live in generations: a sync writes a new generation beside the
 * current one in short transactions, `commitGeneration` switches the integration to it in
 * one tiny update, and the old generation is then deleted in short set-based statements.
 * Readers join on the integration's current generation, so they always see one whole
 * inventory, and a failed or cancelled sync leaves the last good one in place.
 */
export class InventoryRepo {
  private readonly pages: PageWriter;

  constructor(private readonly db: Knex) {
    this.pages = pageWriterFor(db);
  }

  /**
   * Stages records in `generation`: each part one INSERT for the records (and, in the same
   * transaction, one for their MACs: inventory-writes.ts), a background write that yields to
   * the store's other work (background-writes.ts). Between parts the event loop gets a turn,
   * so the requests that arrived meanwhile run.
   */
  async insertPage(integrationId: string, generation: string, startIndex: number, records: StagedRecord[]): Promise<void> {
    const background = BackgroundWrites.of(this.db);
    const sizes = INSERT_CHUNK[isSqlite(this.db) ? 'sqlite' : 'postgres'];
    for (let from = 0; from < records.length;) {
      if (from > 0) await yieldTurn();
      const left = records.length - from;
      const max = background?.busy ? sizes.busy : sizes.free;
      const size = Math.ceil(left / Math.ceil(left / max));
      const part = records.slice(from, from + size);
      const first = startIndex + from;
      const write = (): Promise<void> => this.pages.write(this.db, integrationId, generation, first, part);
      await (background ? background.run(write, { paced: true }) : write());
      from += size;
    }
  }

  /**
   * Makes `generation` the integration's inventory (one small update: readers switch at
   * once), then deletes every other generation in short statements. A crash during the
   * deletes leaves only unreachable rows, which the next commit deletes.
   */
  async commitGeneration(integrationId: string, generation: string, at: number): Promise<void> {
    await this.switchGeneration(integrationId, generation, at);
    await this.purgeOtherGenerations(integrationId, generation);
  }

  /**
   * The switch alone: from here on readers see `generation`, with its duplicate and placeholder
   * records counted first (inventory-findings.ts) and written in the same update, so the findings
   * never read counts of another inventory.
   */
  async switchGeneration(integrationId: string, generation: string, at: number): Promise<void> {
    const findings = await countInventoryFindings(this.db, integrationId, generation);
    await this.db('integrations')
      .where({ id: integrationId })
      .update({ current_generation: generation, synced_at: at, inventory_findings: toJson(findings) });
    await this.refreshStatistics();
  }

  /** Each integration's duplicate and placeholder records of its current inventory (findings). */
  currentFindings(): Promise<Map<string, InventoryFindings>> {
    return currentInventoryFindings(this.db);
  }

  /** The first `perValue` records of a generation holding each duplicate value, by duplicateKey (the findings name them). */
  recordsHolding(
    integrationId: string,
    generation: string,
    duplicates: readonly { kind: SingleIdentifierKind; value: string }[],
    perValue: number,
  ): Promise<Map<string, InventoryRecordName[]>> {
    return recordsHolding(this.db, integrationId, generation, duplicates, perValue);
  }

  /**
   * Deletes every generation but `generation` (the previous inventory, abandoned stagings),
   * except what a run still running stages: a generation is its run's id. The purge is paced
   * and can outlast a lease, so another collector may have started the next run meanwhile;
   * each statement reads which runs are running when it starts, and a run is recorded as
   * running before it stages anything.
   */
  async purgeOtherGenerations(integrationId: string, generation: string, stop?: AbortSignal): Promise<void> {
    const running = this.db('sync_runs').select('id').where({ integration_id: integrationId, status: 'running' });
    // Nor the integration's current generation, should it no longer be `generation` (a purge
    // that outlived its lease while another run committed).
    const current = this.db('integrations').select('current_generation').where({ id: integrationId }).whereNotNull('current_generation');
    await this.purge(
      integrationId,
      (q) => q.whereNot('generation', generation).whereNotIn('generation', running).whereNotIn('generation', current),
      stop,
    );
    await this.refreshStatistics();
  }

  /**
   * PostgreSQL plans a lookup from its table statistics. Until autovacuum gets round to a
   * table that just grew (a minute or more), they still describe the inventory before the
   * sync: the planner then believes a generation holds a handful of rows and reads the
   * whole current generation for every identifier lookup (measured: 4 ms at 20,000 records,
   * 55 ms at 100,000). ANALYZE samples a fixed number of rows, so it costs well under a
   * second at any size, and readers are not blocked by it. SQLite plans without statistics
   * (the lookup indexes lead with the identifier, see migration 20261124100000).
   */
  private async refreshStatistics(): Promise<void> {
    if (!isSqlite(this.db)) await this.db.raw('analyze inventory_records, inventory_macs');
  }

  /** Drops a staged generation that will never be committed. */
  async discardGeneration(integrationId: string, generation: string, stop?: AbortSignal): Promise<void> {
    await this.purge(integrationId, (q) => q.where('generation', generation), stop);
  }

  /** Deletes an integration's whole inventory, every generation (before deleting the integration). */
  async purgeAll(integrationId: string): Promise<void> {
    await this.purge(integrationId, (q) => q);
  }

  /**
   * Deletes the matching generations' rows a chunk at a time, MACs before their records, so
   * the foreign key from MACs to records never has a row to cascade to. Each statement is
   * set-based (by integration and generation), bounded, its own transaction, and after a
   * table's first, a background write (background-writes.ts). `stop` (the collector is
   * stopping) ends it between statements: what is left is in no current generation, so no
   * reader sees it, and the next commit's purge removes it.
   */
  private async purge(integrationId: string, which: (q: Knex.QueryBuilder) => Knex.QueryBuilder, stop?: AbortSignal): Promise<void> {
    const sqlite = isSqlite(this.db);
    const limit = DELETE_CHUNK[sqlite ? 'sqlite' : 'postgres'];
    const background = BackgroundWrites.of(this.db);
    // A table's first statement runs at once (a small inventory's purge is over before the next
    // sync is asked for); the statements after it are background writes, paced as the staging
    // is: deleting a million old records costs the database about what inserting them did.
    const run = (work: () => Promise<number>, first: boolean): Promise<number> =>
      background && !first ? background.run(work, { paced: true }) : work();
    // Rows of a table without a primary key are addressed by the database's own row id.
    const rowId = sqlite ? 'rowid' : 'ctid';
    for (let deleted = limit, first = true; deleted >= limit && !stop?.aborted; first = false, await yieldTurn()) {
      const batch = which(this.db('inventory_macs').where('integration_id', integrationId)).select(rowId).limit(limit);
      // PostgreSQL finds rows by ctid quickly only from an array, not from IN (subquery).
      const sub = batch.toSQL();
      deleted = await run(
        () =>
          sqlite
            ? this.db('inventory_macs').whereIn(rowId, batch).delete()
            : this.db('inventory_macs')
                .whereRaw(`ctid = any(array(${sub.sql}))`, sub.bindings as Knex.Value[])
                .delete(),
        first,
      );
    }
    for (let deleted = limit, first = true; deleted >= limit && !stop?.aborted; first = false, await yieldTurn()) {
      const batch = which(this.db('inventory_records').where('integration_id', integrationId)).select('id').limit(limit);
      deleted = await run(() => this.db('inventory_records').whereIn('id', batch).delete(), first);
    }
  }

  private current(builder: Knex.QueryBuilder): Knex.QueryBuilder {
    return builder
      .join('integrations', function joinCurrent() {
        this.on('integrations.id', '=', 'inventory_records.integration_id').andOn(
          'integrations.current_generation',
          '=',
          'inventory_records.generation',
        );
      })
      .select('inventory_records.*');
  }

  /** Records of the current inventories (of these integrations, when given) holding this normalised identifier. */
  async findByIdentifier(kind: IdentifierKind, value: string, integrationIds?: string[]): Promise<StoredInventoryRecord[]> {
    if (kind === 'macAddress') return this.findByMac(value, integrationIds);
    let q = this.current(this.db('inventory_records')).where(`inventory_records.${IDENTIFIER_COLUMNS[kind]}`, value);
    if (integrationIds) q = q.whereIn('inventory_records.integration_id', integrationIds);
    return (await q.limit(50)).map(toRecord);
  }

  /**
   * `findByIdentifier` for several identifiers in one statement (one round trip; a few with very
   * many integrations): each is its own indexed lookup, limited like findByIdentifier, and the
   * answers are united. Returns the records of each identifier, in the order asked.
   */
  async findByIdentifiers(
    identifiers: readonly { kind: IdentifierKind; value: string }[],
    integrationIds: string[],
  ): Promise<StoredInventoryRecord[][]> {
    const out = identifiers.map((): StoredInventoryRecord[] => []);
    const asked = identifiers.map((identifier, position) => ({ ...identifier, position }));
    // Each member binds its value, every integration id and its limit: with many integrations a
    // device's 60-odd identifiers are more parameters than one statement may carry.
    for (const part of chunksByParameters(asked, () => memberParameters(integrationIds), MEMBERS_PER_STATEMENT)) {
      // The position is a number written into the statement (no binding): PostgreSQL cannot type a
      // parameter in a select list. SQLite refuses LIMIT in a compound member, so each is a subquery.
      const build = (): Knex.QueryBuilder => {
        const members = part.map(({ kind, value }, i) => this.lookupMember(kind, value, integrationIds, i));
        const [first, ...rest] = members as [Knex.QueryBuilder, ...Knex.QueryBuilder[]];
        return rest.length > 0 ? first.unionAll(rest) : first;
      };
      // The text depends on the kinds asked and the number of integrations, the rest is bound.
      const shape = `inventory lookup ${part.map((i) => i.kind).join(',')} in ${integrationIds.length}`;
      const bindings = part.flatMap(({ value }) => [value, ...integrationIds, LOOKUP_LIMIT]);
      const rows = await selectCompiled<InventoryRecordRow & { lookup_position: number | string }>(this.db, shape, build, bindings);
      for (const row of rows) {
        const member = part[Number(row.lookup_position)];
        if (member) out[member.position]?.push(toRecord(row));
      }
    }
    return out;
  }

  /**
   * findByIdentifiers for several devices at once (a listing's page), each with the integrations
   * it is judged against: every identifier of every device is its own limited lookup, as there,
   * united in a few statements instead of one per device. Returns, per device, the records of
   * each of its identifiers in the order asked.
   */
  async findByIdentifiersForEach(
    devices: readonly { identifiers: readonly { kind: IdentifierKind; value: string }[]; integrationIds: readonly string[] }[],
  ): Promise<StoredInventoryRecord[][][]> {
    const out = devices.map((d) => d.identifiers.map((): StoredInventoryRecord[] => []));
    const members: { device: number; identifier: number; kind: IdentifierKind; value: string; integrationIds: readonly string[] }[] = [];
    devices.forEach((d, device) => {
      // No integration applies: nothing to look up (whereIn of nothing matches nothing).
      if (d.integrationIds.length === 0) return;
      d.identifiers.forEach(({ kind, value }, identifier) =>
        members.push({ device, identifier, kind, value, integrationIds: d.integrationIds }),
      );
    });
    // Statements sized by what they bind, not by members alone: each member carries its device's
    // integration ids (200 members with 170 integrations each were past SQLite's limit).
    for (const chunk of chunksByParameters(members, (m) => memberParameters(m.integrationIds), MEMBERS_PER_STATEMENT)) {
      const selects = chunk.map(({ kind, value, integrationIds }, i) => this.lookupMember(kind, value, integrationIds, i));
      const [first, ...rest] = selects as [Knex.QueryBuilder, ...Knex.QueryBuilder[]];
      const rows = (await (rest.length > 0 ? first.unionAll(rest) : first)) as (InventoryRecordRow & {
        lookup_position: number | string;
      })[];
      for (const row of rows) {
        const member = chunk[Number(row.lookup_position)];
        if (member) out[member.device]?.[member.identifier]?.push(toRecord(row));
      }
    }
    return out;
  }

  /**
   * One member of a united lookup: the records of one identifier in these integrations, at most
   * LOOKUP_LIMIT, each marked with the member's position `i` (a number written into the statement:
   * PostgreSQL cannot type a parameter in a select list; SQLite refuses LIMIT in a compound member,
   * so each is a subquery).
   */
  private lookupMember(kind: IdentifierKind, value: string, integrationIds: readonly string[], i: number): Knex.QueryBuilder {
    const lookup =
      kind === 'macAddress'
        ? this.current(this.db('inventory_records'))
            .join('inventory_macs', 'inventory_macs.record_id', 'inventory_records.id')
            .where('inventory_macs.mac', value)
        : this.current(this.db('inventory_records')).where(`inventory_records.${IDENTIFIER_COLUMNS[kind]}`, value);
    const limited = lookup
      .select(this.db.raw(`${i} as lookup_position`))
      .whereIn('inventory_records.integration_id', [...integrationIds])
      .limit(LOOKUP_LIMIT);
    return this.db.select('*').from(limited.as(`lookup_${i}`));
  }

  private async findByMac(mac: string, integrationIds?: string[]): Promise<StoredInventoryRecord[]> {
    let q = this.current(this.db('inventory_records'))
      .join('inventory_macs', 'inventory_macs.record_id', 'inventory_records.id')
      .where('inventory_macs.mac', mac);
    if (integrationIds) q = q.whereIn('inventory_records.integration_id', integrationIds);
    return (await q.limit(50)).map(toRecord);
  }

  /**
   * Records of the current inventories (of these integrations) whose MDM device ID is this
   * normalised value, each with its integration's sealed configuration key: one indexed
   * query serves an MDM-asserted identity, key included.
   */
  async findByMdmDeviceId(value: string, integrationIds: string[]): Promise<{ record: StoredInventoryRecord; sealedKey: string | null }[]> {
    const rows = await this.current(this.db('inventory_records'))
      .select('integrations.trusted_endpoints_key as sealed_key')
      .where('inventory_records.mdm_device_id', value)
      .whereIn('inventory_records.integration_id', integrationIds)
      .limit(50);
    return rows.map((row: InventoryRecordRow & { sealed_key: string | null }) => ({
      record: toRecord(row),
      sealedKey: row.sealed_key ?? null,
    }));
  }

  async findByConnectorId(connectorId: string, integrationIds?: string[]): Promise<StoredInventoryRecord[]> {
    let q = this.current(this.db('inventory_records')).where('inventory_records.edr_connector_id', connectorId);
    if (integrationIds) q = q.whereIn('inventory_records.integration_id', integrationIds);
    return (await q.limit(50)).map(toRecord);
  }

  async macsOf(recordId: string): Promise<string[]> {
    return (await this.db('inventory_macs').where({ record_id: recordId }).pluck('mac')) as string[];
  }

  /**
   * The records of the integration's current inventory: as counted when it was committed (a
   * committed generation never changes), read from the integration's row; counted now for an
   * inventory committed before the counts were kept.
   */
  async count(integrationId: string): Promise<number> {
    return (await currentInventoryFindings(this.db, integrationId)).get(integrationId)?.records ?? 0;
  }
}
