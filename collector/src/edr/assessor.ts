import type { Logger } from 'pino';
import { normalizeIdentifier } from '@devtrust/shared/identity';
import type { IntegrationView } from '../match/match.js';
import type { EdrAssessment } from '../policy/decide.js';
import type { EdrAssessor } from '../services/verdicts.js';
import type { Store } from '../store/store.js';
import type { Endpoint } from '../domain/endpoint.js';
import type { Integration } from '../domain/integration.js';
import { VendorError } from '../sync/kit/vendor-error.js';
import { sourceKind } from '../sync/registry.js';
import type { InventorySource } from '../sync/source.js';
import { combine, judge, needsLookup, notAppliedReason, type EdrEvidence, type EdrJudgement, type LookupOutcome } from './assess.js';
import { freshnessBoundMs } from './freshness.js';

export interface EdrAssessorOptions {
  store: Store;
  /** Builds a vendor source with its credentials (the sync engine). */
  sources: { sourceFor(integration: Integration, call: 'lookup'): Promise<InventorySource> };
  log: Logger;
  /** The clock freshness is judged by (tests move it). */
  now?: () => number;
  /** Longest an on-demand lookup may hold up a verdict. */
  lookupTimeoutMs?: number;
  /** How long one lookup's answer, or failure, is reused: a sign-in storm asks the vendor once. */
  lookupCacheMs?: number;
}

const DEFAULT_LOOKUP_TIMEOUT_MS = 4_000;
const DEFAULT_LOOKUP_CACHE_MS = 30_000;
const MAX_CACHE = 5_000;

/**
 * The EDR side of a verdict, an edge around the pure assess.ts: finds each applicable EDR
 * integration's record of the endpoint (by the connector ID its agent reports, else by
 * serial number), asks the vendor directly when synced data is stale, and never throws.
 */
export function createEdrAssessor(options: EdrAssessorOptions): EdrAssessor {
  const log = options.log.child({ component: 'edr' });
  const now = options.now ?? Date.now;
  const timeoutMs = options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  const cacheMs = options.lookupCacheMs ?? DEFAULT_LOOKUP_CACHE_MS;
  const cache = new Map<string, { at: number; outcome: Promise<LookupOutcome> }>();

  async function runLookup(integration: Integration, connectorId: string): Promise<LookupOutcome> {
    const source = await options.sources.sourceFor(integration, 'lookup');
    if (!source.lookup) return { outcome: 'failed', message: `${integration.kind} offers no on-demand lookup` };
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const device = await source.lookup(connectorId, { signal, log });
      return device ? { outcome: 'found', device } : { outcome: 'not-found' };
    } catch (error) {
      if (signal.aborted) return { outcome: 'failed', message: `no answer within ${timeoutMs / 1000}s` };
      if (error instanceof VendorError) return { outcome: 'failed', message: error.message };
      log.error({ err: error, integrationId: integration.id }, 'EDR lookup failed');
      return { outcome: 'failed', message: 'internal error' };
    }
  }

  function lookup(integration: Integration, connectorId: string): Promise<LookupOutcome> {
    const key = `${integration.id}:${integration.updatedAt}:${normalizeIdentifier('hardwareUuid', connectorId)}`;
    const at = now();
    const hit = cache.get(key);
    if (hit && at - hit.at < cacheMs && at >= hit.at) return hit.outcome;
    if (cache.size >= MAX_CACHE) for (const [k, v] of cache) if (at - v.at >= cacheMs) cache.delete(k);
    if (cache.size >= MAX_CACHE) cache.clear();
    const outcome = runLookup(integration, connectorId).catch((error: unknown): LookupOutcome => {
      log.error({ err: error, integrationId: integration.id }, 'EDR lookup failed');
      return { outcome: 'failed', message: 'internal error' };
    });
    cache.set(key, { at, outcome });
    return outcome;
  }

  async function evidenceFor(integration: Integration, endpoint: Endpoint, at: number, allowLookup: boolean): Promise<EdrEvidence> {
    const { store } = options;
    const reported = endpoint.report?.identity.edr?.find((c) => c.vendor === integration.kind && c.connectorId);
    const connectorId = reported?.connectorId?.trim() || null;
    const normalized = connectorId === null ? null : normalizeIdentifier('hardwareUuid', connectorId);
    let found: EdrEvidence['found'] = null;
    if (normalized !== null) {
      const records = await store.inventory.findByConnectorId(normalized, [integration.id]);
      if (records.length > 0) found = { by: 'connector ID', value: normalized, records };
    }
    const serial = endpoint.identifiers.serialNumber;
    if (found === null && serial !== undefined && (await store.endpoints.countReporting('serialNumber', serial)) <= 1) {
      const records = await store.inventory.findByIdentifier('serialNumber', serial, [integration.id]);
      if (records.length > 0) found = { by: 'serial number', value: serial, records };
    }
    const evidence: EdrEvidence = {
      integration,
      syncedAt: integration.syncedAt,
      freshnessMs: freshnessBoundMs(integration, sourceKind(integration.kind)?.defaultIntervalMinutes ?? null),
      now: at,
      connectorId,
      connectorRunning: reported?.running,
      found,
      lookup: null,
    };
    if (allowLookup && needsLookup(evidence)) evidence.lookup = await lookup(integration, connectorId as string);
    return evidence;
  }

  async function assess(endpoint: Endpoint, views: IntegrationView[], allowLookup: boolean): Promise<EdrAssessment | null> {
    const edrViews = views.filter((v) => v.integration.category === 'edr');
    if (edrViews.length === 0) return null;
    const platform = endpoint.report?.identity.platform ?? endpoint.platform ?? null;
    const at = now();
    const notApplied: string[] = [];
    const judgements: EdrJudgement[] = [];
    for (const view of edrViews) {
      const reason = notAppliedReason(view, platform);
      if (reason !== null) {
        notApplied.push(reason);
        continue;
      }
      try {
        judgements.push(judge(await evidenceFor(view.integration, endpoint, at, allowLookup)));
      } catch (error) {
        log.error({ err: error, integrationId: view.integration.id }, 'EDR assessment failed');
        judgements.push({
          status: 'unknown',
          reason: `EDR "${view.integration.name}" (${view.integration.kind}): unknown — the assessment failed (internal error)`,
        });
      }
    }
    return combine(judgements, notApplied);
  }

  return async (endpoint, views, assessOptions = {}) => {
    try {
      return await assess(endpoint, views, assessOptions.lookups !== false);
    } catch (error) {
      log.error({ err: error, endpointId: endpoint.id }, 'EDR assessment failed');
      return { status: 'unknown', reasons: ['EDR status: unknown — the assessment failed (internal error)'] };
    }
  };
}
