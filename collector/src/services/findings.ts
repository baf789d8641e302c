import { IDENTIFIER_KINDS, isPlaceholder, normalizeIdentifier } from '../domain/identifiers.js';
import { describeClaims } from '../match/approval.js';
import { holdersOf } from '../match/reenrollment.js';
import type { Endpoint, IdentifierClaim } from '../domain/endpoint.js';
import type { Store } from '../store/store.js';

/** What the findings need to know of an endpoint a pending one waits on. */
type HolderStanding = 'gone' | 'blocked' | 'other';

/** Agents silent for longer than this are listed as having stopped reporting. */
export const STALE_AFTER_MS = 3 * 24 * 3_600_000;

/** One thing an admin should look at, with a message that says what and why. */
export type Finding = Record<string, unknown> & { type: string; severity: 'info' | 'warning' | 'error'; message: string };

/**
 * What to do with an endpoint pending approval. Release comes first: approving a re-imaged
 * laptop's new key makes it and the old, trusted endpoint duplicates, and neither is trusted
 * through the identifier while both report it (docs/enrollment-and-posture.md).
 */
function whatToDo(holders: string[], standing: ReadonlyMap<string, HolderStanding>): string {
  // A blocked holder (a stolen device?) released hands its identifiers to this one; a forgotten
  // one cannot be released at all: neither gets "release the old endpoint".
  const blocked = holders.filter((id) => standing.get(id) === 'blocked');
  if (blocked.length > 0)
    return `${blocked.join(', ')} ${blocked.length === 1 ? 'is' : 'are'} blocked (a stolen device?): deny it unless you know the device was recovered; releasing a blocked endpoint hands its identifiers to this one`;
  const live = holders.filter((id) => standing.get(id) !== 'gone');
  if (holders.length > 0 && live.length === 0)
    return `The endpoint it waited on was forgotten (${holders.join(', ')}): approve it if it is that device enrolled again or a device you know, deny it otherwise`;
  const ids = live.length > 0 ? live : ['<old id>'];
  const old = ids.length === 1 ? 'the old endpoint' : 'the old endpoints';
  const commands = ids.map((id) => `devtrustctl endpoint release ${id}`).join('; ');
  const buttons = ids.map((id) => `"Release ${id}"`).join(', ');
  return (
    `If it is the same device re-imaged or with its agent reinstalled, release ${old}: ${commands}, or ${buttons} on this endpoint's console page. ` +
    'Approve it only if it is a different device that legitimately shares the identifier; deny it otherwise'
  );
}

/**
 * What needs an admin's eye: identifiers several endpoints or records share, placeholders,
 * endpoints awaiting approval or gone silent, and failed syncs.
 */
export class FindingsService {
  constructor(private readonly store: Store) {}

  async list(): Promise<Finding[]> {
    const findings: Finding[] = [];
    // Each holder read once, however many copies wait on it.
    const standing = new Map<string, HolderStanding>();
    const standingOf = async (ids: string[]): Promise<ReadonlyMap<string, HolderStanding>> => {
      for (const id of ids) {
        if (standing.has(id)) continue;
        const holder = await this.store.endpoints.get(id);
        standing.set(id, holder === null ? 'gone' : holder.blocked && holder.releasedAt === null ? 'blocked' : 'other');
      }
      return standing;
    };
    // What a pending endpoint claims now depends only on what it reports (pending, it holds
    // nothing itself): copies of one image, a thousand of them after their holder was forgotten,
    // are judged once.
    const claimsNow = new Map<string, Promise<IdentifierClaim[]>>();
    const claimsNowOf = (endpoint: Endpoint): Promise<IdentifierClaim[]> => {
      const key = JSON.stringify(endpoint.identifiers);
      let claims = claimsNow.get(key);
      if (!claims) claimsNow.set(key, (claims = this.store.endpoints.claimsNow(endpoint.id)));
      return claims;
    };
    for (const dupe of await this.store.endpoints.duplicateIdentifiers()) {
      findings.push({
        type: 'duplicate-endpoint-identifier',
        severity: 'warning',
        ...dupe,
        message: `${dupe.endpointIds.length} enrolled endpoints report ${dupe.kind} ${dupe.value}; it is never used to trust them`,
      });
    }
    for (const endpoint of await this.store.endpoints.pendingApproval()) {
      const holders = holdersOf({ claims: endpoint.approvalClaims });
      let advice = whatToDo(holders, await standingOf(holders));
      // Its holder forgotten, the device may have enrolled again under a new key that holds the
      // values now: approving would make that key a duplicate. Read what it claims now (only
      // here: a forgotten holder is rare, and a claim check is a few statements).
      const gone = holders.filter((id) => standing.get(id) === 'gone');
      if (gone.length > 0) {
        const now = holdersOf({ claims: await claimsNowOf(endpoint) });
        if (now.length > 0)
          advice = `The endpoint it waited on was forgotten (${gone.join(', ')}), and ${now.join(', ')} ${now.length === 1 ? 'holds' : 'hold'} what it reports now. ${whatToDo(now, await standingOf(now))}`;
      }
      findings.push({
        type: 'endpoint-pending-approval',
        severity: 'warning',
        endpointId: endpoint.id,
        claims: endpoint.approvalClaims,
        message: `${endpoint.hostname ?? endpoint.id} awaits approval: it reports ${describeClaims(endpoint)}. ${advice}`,
      });
    }
    for (const endpoint of await this.store.endpoints.list({ limit: 1000 })) {
      const identity = endpoint.report?.identity;
      if (!identity) continue;
      for (const kind of IDENTIFIER_KINDS) {
        if (kind === 'macAddress') continue;
        const value = normalizeIdentifier(kind, identity[kind]);
        if (value !== null && isPlaceholder(kind, value)) {
          findings.push({
            type: 'placeholder-endpoint-identifier',
            severity: 'info',
            endpointId: endpoint.id,
            kind,
            value: identity[kind],
            message: `endpoint ${endpoint.hostname ?? endpoint.id} reports placeholder ${kind} "${identity[kind]}"`,
          });
        }
      }
    }
    for (const integration of await this.store.integrations.list()) {
      for (const dupe of await this.store.inventory.duplicates(integration.id)) {
        findings.push({
          type: 'duplicate-inventory-identifier',
          severity: 'warning',
          integrationId: integration.id,
          ...dupe,
          message: `${dupe.count} records of "${integration.name}" hold ${dupe.kind} ${dupe.value}; none of them is trusted on it`,
        });
      }
      for (const { record, placeholders } of await this.store.inventory.placeholderRecords(integration.id)) {
        findings.push({
          type: 'placeholder-inventory-identifier',
          severity: 'info',
          integrationId: integration.id,
          deviceName: record.deviceName,
          placeholders,
          message: `"${integration.name}" lists ${record.deviceName ?? record.externalId ?? 'a device'} with placeholder ${placeholders.join(', ')}`,
        });
      }
      const [last] = await this.store.syncRuns.list(integration.id, 1);
      if (last && (last.status === 'failed' || last.status === 'cancelled')) {
        findings.push({
          type: 'sync-failed',
          severity: 'error',
          integrationId: integration.id,
          syncId: last.id,
          message: `the last sync of "${integration.name}" ${last.status}: ${last.error ?? ''}`,
          at: last.finishedAt,
        });
      }
    }
    for (const endpoint of await this.store.endpoints.staleSince(Date.now() - STALE_AFTER_MS)) {
      findings.push({
        type: 'endpoint-silent',
        severity: 'warning',
        endpointId: endpoint.id,
        lastSeenAt: endpoint.lastSeenAt,
        message: `${endpoint.hostname ?? endpoint.id} has not reported since ${new Date(endpoint.lastSeenAt).toISOString()}`,
      });
    }
    return findings;
  }
}
