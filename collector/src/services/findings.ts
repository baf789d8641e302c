import { placeholderKindsOf } from '../domain/identifiers.js';
import { describeClaims } from '../match/approval.js';
import { holdersOf } from '../match/reenrollment.js';
import type { Store } from '../store/store.js';
import { moreFinding, SEVERITY_OF, type Finding, type FindingCounts, type FindingType, type Findings } from './finding-kinds.js';
import { whatToDo, type HolderState } from './pending-advice.js';
import { endpointDuplicateMessage, inventoryDuplicateMessage, NAMED_PER_DUPLICATE } from './duplicate-advice.js';
import { duplicateKey, type InventoryRecordName } from '../domain/inventory.js';
import { endpointLabel } from '../domain/endpoint-label.js';
import { claimsStillReported } from '../match/waits-on.js';
import { sourceKind } from '../sync/registry.js';

export type { Finding, FindingCounts, Findings } from './finding-kinds.js';

/** Agents silent for longer than this are listed as having stopped reporting. */
export const STALE_AFTER_MS = 3 * 24 * 3_600_000;

/**
 * Findings of one type the list shows; past them, one `more-findings` finding says how many
 * more there are. At 100,000 endpoints thousands are silent on any day: a list of them all is
 * no one's reading, and building it cost more than the rest of the console's front page.
 */
export const FINDINGS_SHOWN = 50;

/** One type's findings: how many there are, and the first ones built (at most the shown number). */
interface Part {
  type: FindingType;
  count: number;
  first: Finding[];
}

/**
 * What needs an admin's eye: identifiers several endpoints or records share, placeholders,
 * endpoints awaiting approval or gone silent, and failed syncs. Each type is counted in full
 * and listed up to FINDINGS_SHOWN; every read is a bounded, indexed one, or a count kept when a
 * sync committed its inventory (docs/performance.md, "Findings and the dashboard at fleet scale").
 */
export class FindingsService {
  constructor(private readonly store: Store) {}

  async list(): Promise<Findings> {
    const parts = await this.parts(FINDINGS_SHOWN);
    const findings: Finding[] = [];
    for (const part of parts) {
      findings.push(...part.first.slice(0, FINDINGS_SHOWN));
      const shown = Math.min(part.first.length, FINDINGS_SHOWN);
      if (part.count > shown) findings.push(moreFinding(part.type, part.count - shown));
    }
    return { findings, counts: countsOf(parts) };
  }

  /** The counts alone (the dashboard's): no finding is built, no report read. */
  async counts(): Promise<FindingCounts> {
    return countsOf(await this.parts(0));
  }

  private async parts(shown: number): Promise<Part[]> {
    const { endpointFindings } = this.store;
    const duplicates = await endpointFindings.duplicates(shown);
    const parts: Part[] = [
      {
        type: 'duplicate-endpoint-identifier',
        count: duplicates.count,
        first: duplicates.first.map(({ endpoints, ...dupe }) =>
          finding('duplicate-endpoint-identifier', {
            ...dupe,
            endpoints: endpoints.slice(0, NAMED_PER_DUPLICATE),
            message: endpointDuplicateMessage({ ...dupe, endpoints }),
          }),
        ),
      },
      await this.pending(shown),
      await this.endpointPlaceholders(shown),
      ...(await this.inventories(shown)),
    ];
    const silent = await endpointFindings.silentSince(Date.now() - STALE_AFTER_MS, shown);
    parts.push({
      type: 'endpoint-silent',
      count: silent.count,
      first: silent.first.map((endpoint) =>
        finding('endpoint-silent', {
          endpointId: endpoint.id,
          lastSeenAt: endpoint.lastSeenAt,
          message: `${endpointLabel(endpoint)} has not reported since ${new Date(endpoint.lastSeenAt).toISOString()}`,
        }),
      ),
    });
    parts.push(await this.applicationLookAlikes(shown));
    return parts;
  }

  /**
   * Applications whose names read as an older one's (store/application-names.ts): kept from
   * before names were compared, they hold no name key, and users shown the name cannot tell
   * them from the older one. Applications are few; all are read.
   */
  private async applicationLookAlikes(shown: number): Promise<Part> {
    const lookAlikes = await this.store.applications.lookAlikes();
    return {
      type: 'application-name-look-alike',
      count: lookAlikes.length,
      first: lookAlikes.slice(0, shown).map(({ id, name, readsAs }) =>
        finding('application-name-look-alike', {
          applicationId: id,
          readsAs,
          message: readsAs
            ? `application ${id} ("${name}") has a name that reads the same as that of ${readsAs.id} ("${readsAs.name}"): users are shown only the name and cannot tell them apart; rename or delete one`
            : `application ${id} ("${name}") has a name that reads as nothing: rename it`,
        }),
      ),
    };
  }

  private async pending(shown: number): Promise<Part> {
    const { count, first } = await this.store.endpointFindings.pending(shown);
    // Every holder read in one statement, however many copies wait on it.
    const standing = await this.store.endpointFindings.standings(
      first.flatMap((endpoint) => holdersOf({ claims: endpoint.approvalClaims })),
    );
    const findings: Finding[] = [];
    for (const endpoint of first) {
      const holders = holdersOf({ claims: endpoint.approvalClaims });
      let advice = whatToDo(holders, standing, endpoint.enrolledAt);
      // Its holder forgotten, the device may have enrolled again under a new key that holds the
      // values now: approving would make that key a duplicate. Read what it claims now (only
      // here: a forgotten holder is rare, and a claim check is a few statements).
      const gone = holders.filter((id) => standing.get(id)?.standing === 'gone');
      let claims = endpoint.approvalClaims;
      if (gone.length > 0) {
        const now = holdersOf({ claims: await this.store.endpoints.claimsNow(endpoint.id) });
        if (now.length > 0) {
          const nowStanding: ReadonlyMap<string, HolderState> = await this.store.endpointFindings.standings(now);
          advice = `The endpoint it waited on was forgotten (${gone.join(', ')}), and ${now.join(', ')} ${now.length === 1 ? 'holds' : 'hold'} what it reports now. ${whatToDo(now, nowStanding, endpoint.enrolledAt)}`;
        }
      } else if (!claimsStillReported(endpoint)) {
        // It no longer reports a value its claims name (a copy given a new MachineGuid, a device
        // that stopped reporting a serial): the holder those claims name is not what it waits on,
        // and releasing it would retire a key for nothing (a review did). What it claims now.
        claims = await this.store.endpoints.claimsNow(endpoint.id);
        const now = holdersOf({ claims });
        advice =
          now.length > 0
            ? `What it reports changed since it enrolled. ${whatToDo(now, await this.store.endpointFindings.standings(now), endpoint.enrolledAt)}`
            : 'What it reports changed since it enrolled, and no other endpoint holds it now: approve it if you know the device, deny it otherwise';
      }
      findings.push(
        finding('endpoint-pending-approval', {
          endpointId: endpoint.id,
          claims,
          message: `${endpointLabel(endpoint)} awaits approval: it reports ${describeClaims({ ...endpoint, approvalClaims: claims })}. ${advice}`,
        }),
      );
    }
    return { type: 'endpoint-pending-approval', count, first: findings };
  }

  private async endpointPlaceholders(shown: number): Promise<Part> {
    const { count, first } = await this.store.endpointFindings.placeholders(shown);
    const findings: Finding[] = [];
    for (const endpoint of first) {
      const identity = endpoint.report?.identity;
      if (!identity) continue;
      // Checked again on the latest report: what the index found is what it reported.
      for (const kind of placeholderKindsOf(identity)) {
        findings.push(
          finding('placeholder-endpoint-identifier', {
            endpointId: endpoint.id,
            kind,
            value: identity[kind],
            message: `endpoint ${endpointLabel(endpoint)} reports placeholder ${kind} "${identity[kind]}"`,
          }),
        );
      }
    }
    return { type: 'placeholder-endpoint-identifier', count, first: findings };
  }

  /** Per integration: its inventory's duplicates and placeholders (counted at its sync's commit) and its last run, if it failed. */
  private async inventories(shown: number): Promise<Part[]> {
    const dupes: Part = { type: 'duplicate-inventory-identifier', count: 0, first: [] };
    const placeholders: Part = { type: 'placeholder-inventory-identifier', count: 0, first: [] };
    const failed: Part = { type: 'sync-failed', count: 0, first: [] };
    const counted = await this.store.inventory.currentFindings();
    for (const integration of await this.store.integrations.list()) {
      const inventory = counted.get(integration.id);
      if (inventory) {
        dupes.count += inventory.duplicates.count;
        placeholders.count += inventory.placeholders.count;
        const listed = inventory.duplicates.first.slice(0, Math.max(0, shown - dupes.first.length));
        // The records each shown value names, read for those values only (none for the dashboard's counts).
        const holding =
          listed.length > 0
            ? await this.store.inventory.recordsHolding(integration.id, inventory.generation, listed, NAMED_PER_DUPLICATE)
            : new Map<string, InventoryRecordName[]>();
        const uploaded = sourceKind(integration.kind)?.capabilities.upload === true;
        for (const dupe of listed) {
          const records = holding.get(duplicateKey(dupe)) ?? [];
          dupes.first.push(
            finding('duplicate-inventory-identifier', {
              integrationId: integration.id,
              ...dupe,
              records,
              message: inventoryDuplicateMessage(dupe, { id: integration.id, name: integration.name, uploaded }, records),
            }),
          );
        }
        for (const record of inventory.placeholders.first.slice(0, Math.max(0, shown - placeholders.first.length)))
          placeholders.first.push(
            finding('placeholder-inventory-identifier', {
              integrationId: integration.id,
              deviceName: record.deviceName,
              placeholders: record.placeholders,
              message: `"${integration.name}" lists ${record.deviceName ?? record.externalId ?? 'a device'} with placeholder ${record.placeholders.join(', ')}`,
            }),
          );
      }
      const [last] = await this.store.syncRuns.list(integration.id, 1);
      if (last && (last.status === 'failed' || last.status === 'cancelled')) {
        failed.count += 1;
        if (failed.first.length < shown)
          failed.first.push(
            finding('sync-failed', {
              integrationId: integration.id,
              syncId: last.id,
              message: `the last sync of "${integration.name}" ${last.status}: ${last.error ?? ''}`,
              at: last.finishedAt,
            }),
          );
      }
    }
    return [dupes, placeholders, failed];
  }
}

function finding(type: FindingType, fields: Record<string, unknown> & { message: string }): Finding {
  return { type, severity: SEVERITY_OF[type], ...fields };
}

function countsOf(parts: Part[]): FindingCounts {
  const counts: FindingCounts = { total: 0, error: 0, warning: 0, info: 0, byType: {} };
  for (const { type, count } of parts) {
    counts.total += count;
    counts[SEVERITY_OF[type]] += count;
    counts.byType[type] = (counts.byType[type] ?? 0) + count;
  }
  return counts;
}
