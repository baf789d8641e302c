import type { Knex } from 'knex';
import type { SingleIdentifierKind } from '../../domain/identifiers.js';
import { IDENTIFIER_COLUMN_ENTRIES, type IdentifierColumn } from '../identifier-columns.js';
import type { EndpointRow, IdentifierBindingRow } from '../rows.js';

/**
 * Which device key holds a hardware UUID, serial number or MachineGuid (table
 * identifier_bindings). The first endpoint to report a value binds it; an approval binds the
 * approved endpoint too. A binding outlives the holder's latest report: an agent whose serial
 * probe failed once does not free its serial for another key. Only releasing the endpoint
 * (an administrator) or forgetting it (the row cascades) ends a binding.
 */

/** The identifiers an endpoint row reports now, by column. */
export function claimedColumns(row: Pick<EndpointRow, IdentifierColumn>): Record<IdentifierColumn, string | null> {
  return Object.fromEntries(IDENTIFIER_COLUMN_ENTRIES.map(([, column]) => [column, row[column] ?? null])) as Record<
    IdentifierColumn,
    string | null
  >;
}

/** Binds every identifier in `claimed` to the endpoint (those it already holds stay as they are). */
export async function bindIdentifiers(
  db: Knex | Knex.Transaction,
  endpointId: string,
  claimed: Record<IdentifierColumn, string | null>,
  at: number,
): Promise<void> {
  const rows: IdentifierBindingRow[] = IDENTIFIER_COLUMN_ENTRIES.flatMap(([kind, column]) => {
    const value = claimed[column];
    return value === null ? [] : [{ kind, value, endpoint_id: endpointId, bound_at: at }];
  });
  if (rows.length > 0) await db('identifier_bindings').insert(rows).onConflict(['kind', 'value', 'endpoint_id']).ignore();
}

/**
 * The endpoints other than `endpointId` that hold the value, oldest binding first, then by id
 * (one order on both databases, the one a release's judge uses: store/release-judgement.ts); at most 20.
 */
export async function holdersOf(
  db: Knex | Knex.Transaction,
  kind: SingleIdentifierKind,
  value: string,
  endpointId: string,
): Promise<string[]> {
  return (await db('identifier_bindings')
    .where({ kind, value })
    .whereNot({ endpoint_id: endpointId })
    .orderBy(['bound_at', 'endpoint_id'])
    .limit(20)
    .pluck('endpoint_id')) as string[];
}

/** Ends every binding of the endpoint; returns what it held. */
export async function unbindAll(trx: Knex.Transaction, endpointId: string): Promise<{ kind: string; value: string }[]> {
  const held = (await trx('identifier_bindings').where({ endpoint_id: endpointId }).orderBy(['kind', 'value']).select('kind', 'value')) as {
    kind: string;
    value: string;
  }[];
  await trx('identifier_bindings').where({ endpoint_id: endpointId }).delete();
  return held;
}
