import type { Knex } from 'knex';
import { duplicateKey, type InventoryDuplicate, type InventoryFindings, type InventoryRecordName } from '../../domain/inventory.js';
import type { SingleIdentifierKind } from '../../domain/identifiers.js';
import { chunks } from '../in-lists.js';
import { IDENTIFIER_COLUMN_ENTRIES } from '../identifier-columns.js';
import { fromJson } from '../json.js';
import type { InventoryRecordRow } from '../rows.js';

/** Duplicate values and placeholder records kept per inventory for the findings to show (each kind). */
export const INVENTORY_FINDINGS_SHOWN = 100;

/**
 * Counts one generation's duplicate identifier values and placeholder records. Each group-by
 * reads the whole generation (measured at 200,000 records: docs/performance.md, "Findings and
 * the dashboard at fleet scale"), so it runs once, when a sync commits the generation
 * (InventoryRepo.switchGeneration), not on every read of the findings.
 */
export async function countInventoryFindings(db: Knex, integrationId: string, generation: string): Promise<InventoryFindings> {
  const records = (): Knex.QueryBuilder => db('inventory_records').where({ integration_id: integrationId, generation });
  let duplicateCount = 0;
  const first: InventoryDuplicate[] = [];
  for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
    const duplicated = (): Knex.QueryBuilder => records().whereNotNull(column).groupBy(column).havingRaw('count(*) > 1');
    const counted = await db.from(duplicated().select(column).as('d')).count({ n: '*' }).first();
    const n = Number(counted?.n ?? 0);
    duplicateCount += n;
    if (n === 0 || first.length >= INVENTORY_FINDINGS_SHOWN) continue;
    const rows = await duplicated()
      .select({ value: column })
      .count({ n: '*' })
      .orderBy(column)
      .limit(INVENTORY_FINDINGS_SHOWN - first.length);
    for (const row of rows) first.push({ kind, value: row.value as string, count: Number(row.n) });
  }
  const recordCount = Number((await records().count({ n: '*' }).first())?.n ?? 0);
  const placeholderCount = Number((await records().whereNotNull('placeholders').count({ n: '*' }).first())?.n ?? 0);
  const placeholderRows = (
    placeholderCount === 0
      ? []
      : await records()
          .whereNotNull('placeholders')
          .orderBy('id')
          .limit(INVENTORY_FINDINGS_SHOWN)
          .select('device_name', 'external_id', 'placeholders')
  ) as Pick<InventoryRecordRow, 'device_name' | 'external_id' | 'placeholders'>[];
  return {
    generation,
    records: recordCount,
    duplicates: { count: duplicateCount, first },
    placeholders: {
      count: placeholderCount,
      first: placeholderRows.map((row) => ({
        deviceName: row.device_name ?? null,
        externalId: row.external_id ?? null,
        placeholders: fromJson<string[]>(row.placeholders, []),
      })),
    },
  };
}

/**
 * Each integration's findings of its current inventory: as counted when its sync committed, in
 * one read of the integrations; counted now for an inventory committed before the counts were
 * kept (migration 20261207100000), or whose counts are of another generation.
 */
export async function currentInventoryFindings(db: Knex, integrationId?: string): Promise<Map<string, InventoryFindings>> {
  let query = db('integrations').whereNotNull('current_generation').select('id', 'current_generation', 'inventory_findings');
  if (integrationId !== undefined) query = query.where({ id: integrationId });
  const rows = (await query) as {
    id: string;
    current_generation: string;
    inventory_findings: string | null;
  }[];
  const out = new Map<string, InventoryFindings>();
  for (const row of rows) {
    const kept = fromJson<InventoryFindings | null>(row.inventory_findings, null);
    const current = kept?.generation === row.current_generation && typeof kept.records === 'number';
    out.set(row.id, current ? kept : await countInventoryFindings(db, row.id, row.current_generation));
  }
  return out;
}

/**
 * The first `perValue` records (by id) of one generation holding each duplicate value: whom a
 * duplicate finding names. Only the values shown (at most the findings' 50), read when the
 * findings are listed, not kept with the counts: one statement per kind of value shown, each
 * answering at most `perValue` rows a value (a window over the identifier's index entries for
 * those values), however many records share one.
 */
export async function recordsHolding(
  db: Knex,
  integrationId: string,
  generation: string,
  duplicates: readonly { kind: SingleIdentifierKind; value: string }[],
  perValue: number,
): Promise<Map<string, InventoryRecordName[]>> {
  const out = new Map<string, InventoryRecordName[]>();
  for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
    const values = duplicates.filter((d) => d.kind === kind).map((d) => d.value);
    for (const part of chunks(values)) {
      const ranked = db('inventory_records')
        .where({ integration_id: integrationId, generation })
        .whereIn(column, part)
        .select({ value: column }, 'device_name', 'external_id', db.raw('row_number() over (partition by ?? order by id) as n', [column]));
      const rows = (await db
        .from(ranked.as('ranked'))
        .where('n', '<=', perValue)
        .orderBy([{ column: 'value' }, { column: 'n' }])
        .select('value', 'device_name', 'external_id')) as { value: string; device_name: string | null; external_id: string | null }[];
      for (const row of rows) {
        const key = duplicateKey({ kind, value: row.value });
        out.set(key, [...(out.get(key) ?? []), { deviceName: row.device_name ?? null, externalId: row.external_id ?? null }]);
      }
    }
  }
  return out;
}
