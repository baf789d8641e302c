import type { Router } from '@koa/router';
import { IDENTIFIER_KINDS, normalizeIdentifier, isPlaceholder } from '@devtrust/shared/identity';
import { can } from '../../http/auth.js';
import { describeClaims } from '../../match/approval.js';
import { exactRouter } from '../../http/routing.js';
import { rotateEnrollmentKey } from '../../services/bootstrap.js';
import type { Services } from '../../services/services.js';

/** Agents silent for longer than this are listed as having stopped reporting. */
export const STALE_AFTER_MS = 3 * 24 * 3_600_000;

export function findingRoutes(services: Services): Router {
  const { store } = services;
  const router = exactRouter();
  const findings = can('findings');
  const enrollment = can('enrollment');

  router.get('/findings', findings, async function listFindings(ctx) {
    const findings: Record<string, unknown>[] = [];
    for (const dupe of await store.endpoints.duplicateIdentifiers()) {
      findings.push({
        type: 'duplicate-endpoint-identifier',
        severity: 'warning',
        ...dupe,
        message: `${dupe.endpointIds.length} enrolled endpoints report ${dupe.kind} ${dupe.value}; it is never used to trust them`,
      });
    }
    for (const endpoint of await store.endpoints.pendingApproval()) {
      findings.push({
        type: 'endpoint-pending-approval',
        severity: 'warning',
        endpointId: endpoint.id,
        claims: endpoint.approvalClaims,
        message: `${endpoint.hostname ?? endpoint.id} awaits approval: it reports ${describeClaims(endpoint)}; approve it or deny it`,
      });
    }
    for (const endpoint of await store.endpoints.list({ limit: 1000 })) {
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
    for (const integration of await store.integrations.list()) {
      for (const dupe of await store.inventory.duplicates(integration.id)) {
        findings.push({
          type: 'duplicate-inventory-identifier',
          severity: 'warning',
          integrationId: integration.id,
          ...dupe,
          message: `${dupe.count} records of "${integration.name}" hold ${dupe.kind} ${dupe.value}; none of them is trusted on it`,
        });
      }
      for (const { record, placeholders } of await store.inventory.placeholderRecords(integration.id)) {
        findings.push({
          type: 'placeholder-inventory-identifier',
          severity: 'info',
          integrationId: integration.id,
          deviceName: record.deviceName,
          placeholders,
          message: `"${integration.name}" lists ${record.deviceName ?? record.externalId ?? 'a device'} with placeholder ${placeholders.join(', ')}`,
        });
      }
      const [last] = await store.syncRuns.list(integration.id, 1);
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
    for (const endpoint of await store.endpoints.staleSince(Date.now() - STALE_AFTER_MS)) {
      findings.push({
        type: 'endpoint-silent',
        severity: 'warning',
        endpointId: endpoint.id,
        lastSeenAt: endpoint.lastSeenAt,
        message: `${endpoint.hostname ?? endpoint.id} has not reported since ${new Date(endpoint.lastSeenAt).toISOString()}`,
      });
    }
    ctx.body = { findings };
  });

  router.post('/enrollment-key', enrollment, async function rotateKey(ctx) {
    ctx.status = 201;
    ctx.body = { enrollmentKey: await rotateEnrollmentKey(store) };
  });
  return router;
}
