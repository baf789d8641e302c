import type { Knex } from 'knex';
import { chunks, IN_LIST_CHUNK } from '../in-lists.js';
import type { IdentifierClaim } from '../../domain/endpoint.js';
import {
  bindingKey,
  HOLDERS_PER_CLAIM,
  judgeWaiters,
  type HeldValue,
  type ReleaseWaiter,
  type WaiterVerdict,
} from '../release-judgement.js';
import { batchUpdate } from '../batch-update.js';
import { IDENTIFIER_COLUMN_ENTRIES } from '../identifier-columns.js';
import { fromJson, toJson } from '../json.js';
import type { ApprovalClaimHolderRow, EndpointRow, IdentifierBindingRow } from '../rows.js';
import { holdersNamed, pendingWaitingOn } from './approval-claims.js';
import { macHolders } from './endpoint-macs.js';
import { macMatchingIntegrations, macsOnInventory, onCurrentInventory } from './mac-claims.js';

/**
 * Judging again the endpoints that waited on a holder whose bindings just ended (a release, a
 * forget), set-based: the waiters and the holders of everything they claim are read in a few
 * chunked statements, judged in memory (store/release-judgement.ts, exactly what one
 * checkClaims per waiter in enrollment order found), and the verdicts written in batches. One
 * statement per waiter held the releases' lock for seconds with thousands of waiters (a disk
 * image cloned with its MachineGuid), and every report with new identifiers waited behind it.
 */

/** Rows per batched UPDATE (its rows travel as one bound JSON text: no parameter limit applies). */
const UPDATE_ROWS = 1000;
/** Rows per INSERT: 4 parameters a binding, 2 an index row, below 999 either way. */
const BINDING_ROWS = 200;
const INDEX_ROWS = 400;

const WAITER_COLUMNS = ['id', 'enrolled_at', 'mac_addresses', ...IDENTIFIER_COLUMN_ENTRIES.map(([, column]) => column)];

export interface Rejudged {
  freed: string[];
  stillPending: string[];
}

/**
 * Judges again the pending endpoints whose claims name `holderId`, whose bindings are ended
 * already. On PostgreSQL the caller holds the releases' lock, and the waiters' rows are locked here
 * (pendingWaitingOn) until commit: none stops being pending in between, so the verdicts
 * written are the ones judged.
 */
export async function rejudgeWaitersOn(trx: Knex.Transaction, holderId: string, at: number): Promise<Rejudged> {
  const all = await pendingWaitingOn(trx, holderId, WAITER_COLUMNS);
  if (all.length === 0) return { freed: [], stillPending: [] };
  const { onForgotten, waiters, verdicts } = await judgeWaitersOf(trx, all, at);
  const freedIds = verdicts.filter((v) => v.claims.length === 0).map((v) => v.id);
  const pending = verdicts.filter((v) => v.claims.length > 0);
  // Conditional on still pending, as writeClaims with ifPending is (see above: all are).
  const freed = await updatePending(
    trx,
    freedIds,
    freedIds.map(() => ({ approval: 'approved', approval_claims: toJson([]) })),
  );
  const kept = await updatePending(
    trx,
    pending.map((v) => v.id),
    pending.map((v) => ({ approval_claims: toJson(v.claims) })),
  );
  await reindexClaims(
    trx,
    [...freed, ...kept],
    pending.filter((v) => kept.has(v.id)),
  );
  const byId = new Map(waiters.map((w) => [w.id, w]));
  await bindAll(
    trx,
    freedIds
      .filter((id) => freed.has(id))
      .flatMap((id) => byId.get(id)?.identifiers.map(([kind, value]) => ({ kind, value, endpoint_id: id, bound_at: at })) ?? []),
  );
  return {
    freed: freedIds.filter((id) => freed.has(id)),
    stillPending: [
      ...pending.map((v) => v.id).filter((id) => kept.has(id)),
      ...all.map((row) => row.id).filter((id) => onForgotten.has(id)),
    ],
  };
}

/**
 * Whom releasing `holderId` would approve, without releasing it (the caution an endpoint's page
 * and devtrustctl show before a release names it): the same judgement, read-only, as if its
 * bindings had ended and it reported no MAC. No lock: an answer for an admin to read; the release
 * judges again under its lock.
 */
export async function freedByRelease(db: Knex, holderId: string, at: number): Promise<string[]> {
  const all = await pendingWaitingOn(db, holderId, WAITER_COLUMNS, { lock: false });
  if (all.length === 0) return [];
  const { verdicts } = await judgeWaitersOf(db, all, at, holderId);
  return verdicts.filter((v) => v.claims.length === 0).map((v) => v.id);
}

/**
 * The reads and the judgement a release and its read-only look share: the waiters (those also
 * waiting on a forgotten endpoint left out, as a forget leaves them for an admin: judged here they
 * would be freed on the forgotten one's values), the holders of what they claim, and the verdicts.
 * `releasing`: a holder whose bindings and MACs are to be left out as if released (the look;
 * the release itself has ended them already).
 */
async function judgeWaitersOf(
  db: Knex | Knex.Transaction,
  all: EndpointRow[],
  at: number,
  releasing?: string,
): Promise<{ onForgotten: Set<string>; waiters: ReleaseWaiter[]; verdicts: WaiterVerdict[] }> {
  const onForgotten = await waitingOnForgotten(
    db,
    all.map((row) => row.id),
  );
  const waiters = await waitersOf(
    db,
    all.filter((row) => !onForgotten.has(row.id)),
  );
  const bindings = await bindingsOf(db, waiters);
  if (releasing !== undefined)
    for (const [key, held] of bindings)
      bindings.set(
        key,
        held.filter((h) => h.endpointId !== releasing),
      );
  // Per claimable MAC, the endpoints not pending and not released that report it, first enrolled
  // first (endpoint_macs): one statement per IN_LIST_CHUNK distinct MACs, not one per MAC. The
  // waiters, all pending, are never among them; the judge adds the ones it frees.
  const macs = await macHolders(db, [...new Set(waiters.flatMap((w) => w.claimableMacs))], HOLDERS_PER_CLAIM, releasing);
  return { onForgotten, waiters, verdicts: judgeWaiters({ waiters, bindings, macHolders: macs, at }) };
}

/** Of these pending endpoints, those whose claims name an endpoint that no longer exists (the claims' index keeps a forgotten holder's id). */
async function waitingOnForgotten(trx: Knex | Knex.Transaction, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks(ids, IN_LIST_CHUNK)) {
    const rows = (await trx('approval_claim_holders as h')
      .leftJoin('endpoints as e', 'e.id', 'h.holder_id')
      .whereIn('h.endpoint_id', part)
      .whereNull('e.id')
      .distinct('h.endpoint_id')) as { endpoint_id: string }[];
    for (const row of rows) found.add(row.endpoint_id);
  }
  return found;
}

/** The waiters as the judge takes them, with which of their MACs can be claims (read once for all of them). */
async function waitersOf(trx: Knex | Knex.Transaction, rows: EndpointRow[]): Promise<ReleaseWaiter[]> {
  const waiters = rows.map((row) => ({
    id: row.id,
    enrolledAt: Number(row.enrolled_at),
    identifiers: IDENTIFIER_COLUMN_ENTRIES.flatMap(([kind, column]) => {
      const value = row[column] ?? null;
      return value === null ? [] : [[kind, value] as const];
    }),
    macs: fromJson<string[]>(row.mac_addresses, []),
  }));
  const withMacs = waiters.filter((w) => w.macs.length > 0);
  const macMatching = withMacs.length > 0 ? await macMatchingIntegrations(trx) : [];
  if (macMatching.length === 0) return waiters.map((w) => ({ ...w, claimableMacs: [] }));
  // An endpoint a current inventory knows by its own hardware UUID, serial or MachineGuid is
  // matched by them: its MACs are no claims (EndpointsRepo.macClaims).
  const known = new Map<string, Set<string>>();
  for (const [kind, column] of IDENTIFIER_COLUMN_ENTRIES) {
    const values = [...new Set(withMacs.flatMap((w) => w.identifiers.filter(([k]) => k === kind).map(([, v]) => v)))];
    const found = new Set<string>();
    for (const chunk of chunks(values, IN_LIST_CHUNK))
      for (const value of (await onCurrentInventory(trx('inventory_records'))
        .whereIn(`inventory_records.${column}`, chunk)
        .distinct(`inventory_records.${column} as value`)) as { value: string }[])
        found.add(value.value);
    known.set(kind, found);
  }
  const unknown = withMacs.filter((w) => !w.identifiers.some(([kind, value]) => known.get(kind)?.has(value)));
  const inInventory = await macsOnInventory(trx, [...new Set(unknown.flatMap((w) => w.macs))], macMatching);
  const claimable = new Set(unknown.map((w) => w.id));
  return waiters.map((w) => ({ ...w, claimableMacs: claimable.has(w.id) ? w.macs.filter((mac) => inInventory.has(mac)) : [] }));
}

/** The first bindings of every value the waiters claim, per kind and chunk: HOLDERS_PER_CLAIM + 1 each (one may be the waiter's own). */
async function bindingsOf(trx: Knex | Knex.Transaction, waiters: readonly ReleaseWaiter[]): Promise<Map<string, HeldValue[]>> {
  const bindings = new Map<string, HeldValue[]>();
  for (const [kind] of IDENTIFIER_COLUMN_ENTRIES) {
    const values = [...new Set(waiters.flatMap((w) => w.identifiers.filter(([k]) => k === kind).map(([, v]) => v)))];
    for (const chunk of chunks(values, IN_LIST_CHUNK)) {
      const ranked = trx('identifier_bindings')
        .select('value', 'endpoint_id', 'bound_at')
        .select(trx.raw('row_number() over (partition by value order by bound_at, endpoint_id) as rank'))
        .where('kind', kind)
        .whereIn('value', chunk)
        .as('ranked');
      const rows = (await trx
        .from(ranked)
        .where('rank', '<=', HOLDERS_PER_CLAIM + 1)
        .select('value', 'endpoint_id', 'bound_at')) as {
        value: string;
        endpoint_id: string;
        bound_at: number | string;
      }[];
      for (const row of rows) {
        const key = bindingKey(kind, row.value);
        const held = { endpointId: row.endpoint_id, boundAt: Number(row.bound_at) };
        const list = bindings.get(key);
        if (list) list.push(held);
        else bindings.set(key, [held]);
      }
    }
  }
  return bindings;
}

/** Sets each endpoint's columns where it is still pending; the ids it changed. */
async function updatePending(trx: Knex.Transaction, ids: string[], set: Record<string, unknown>[]): Promise<Set<string>> {
  const changed = new Set<string>();
  for (let i = 0; i < ids.length; i += UPDATE_ROWS) {
    const keys = ids.slice(i, i + UPDATE_ROWS);
    const done = await batchUpdate(trx, {
      table: 'endpoints',
      key: 'id',
      keys,
      set: set.slice(i, i + UPDATE_ROWS),
      unchanged: keys.map(() => ({ approval: 'pending' })),
    });
    for (const id of done.keys()) changed.add(id);
  }
  return changed;
}

/** Replaces the index rows (approval_claim_holders) of the endpoints whose claims were written, as writeClaims does. */
async function reindexClaims(
  trx: Knex.Transaction,
  written: string[],
  pending: { id: string; claims: IdentifierClaim[] }[],
): Promise<void> {
  for (const chunk of chunks(written, IN_LIST_CHUNK)) await trx('approval_claim_holders').whereIn('endpoint_id', chunk).delete();
  const rows: ApprovalClaimHolderRow[] = pending.flatMap((v) =>
    holdersNamed(v.claims).map((holder_id) => ({ endpoint_id: v.id, holder_id })),
  );
  for (const chunk of chunks(rows, INDEX_ROWS)) await trx('approval_claim_holders').insert(chunk);
}

/** Binds the freed endpoints' identifiers (one it holds already keeps its time), as bindIdentifiers does. */
async function bindAll(trx: Knex.Transaction, rows: IdentifierBindingRow[]): Promise<void> {
  for (const chunk of chunks(rows, BINDING_ROWS))
    await trx('identifier_bindings').insert(chunk).onConflict(['kind', 'value', 'endpoint_id']).ignore();
}
