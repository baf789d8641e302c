import type { Router } from '@koa/router';
import { z } from 'zod';
import { IDENTIFIER_KINDS, normalizeIdentifier, type Platform } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { can } from '../../http/auth.js';
import { jsonBody, queryOf, readBody } from '../../http/body.js';
import { exactRouter } from '../../http/routing.js';
import { AppError, badRequest, notFound } from '../../errors.js';
import type { Services } from '../../services/services.js';
import type { ApiKey, Integration, StoredInventoryRecord } from '../../store/types.js';
import { parseCsvInventory } from '../../sync/csv/parse.js';
import { sourceKind } from '../../sync/registry.js';
import { nextSyncAt } from '../../sync/schedule.js';
import { sealSecrets, unsealSecrets } from '../../sync/secrets.js';
import type { SourceDevice, SourceKind } from '../../sync/source.js';
import {
  activationSchema,
  changedHostFields,
  checkPlatforms,
  createIntegrationSchema,
  patchIntegrationSchema,
  requireSecretsWithHostChange,
  splitConfig,
} from '../integration-input.js';

/** `?allowEmpty=true` confirms that an upload without rows is meant to empty the inventory. */
const uploadQuery = z.strictObject({ allowEmpty: z.enum(['true', 'false']).optional() });

export function integrationRoutes(services: Services): Router {
  const { store, engine, masterKey } = services;
  const log = services.log.child({ component: 'admin' });
  const router = exactRouter();
  router.use('/integrations', can('integrations'));

  async function present(integration: Integration): Promise<Record<string, unknown>> {
    const [lastSync] = await store.syncRuns.list(integration.id, 1);
    const { secretFields, currentGeneration: _generation, ...rest } = integration;
    return { ...rest, secretsSet: secretFields, devices: await store.inventory.count(integration.id), lastSync: lastSync ?? null };
  }

  async function load(id: string): Promise<{ integration: Integration; kind: SourceKind }> {
    const integration = await store.integrations.get(id);
    if (!integration) throw notFound('integration');
    return { integration, kind: sourceKind(integration.kind) as SourceKind };
  }

  router.post('/integrations', async function createIntegration(ctx) {
    const body = await jsonBody(ctx, createIntegrationSchema, LIMITS.maxHttpBodyBytes);
    const kind = sourceKind(body.kind) as SourceKind;
    checkPlatforms(kind, body.platforms);
    const { publicConfig, secrets } = splitConfig(kind, body.config);
    const id = store.integrations.newId();
    const schedule = body.schedule ?? null;
    const integration = await store.integrations.create(id, {
      kind: kind.kind,
      category: kind.category,
      name: body.name,
      platforms: body.platforms,
      config: publicConfig,
      sealedSecrets: sealSecrets(masterKey, id, secrets),
      schedule,
      nextSyncAt: kind.kind === 'csv' ? null : nextSyncAt(schedule, kind.defaultIntervalMinutes, Date.now()),
    });
    ctx.status = 201;
    ctx.body = await present(integration);
  });

  router.get('/integrations', async function listIntegrations(ctx) {
    ctx.body = { integrations: await Promise.all((await store.integrations.list()).map(present)) };
  });

  router.get('/integrations/:id', async function getIntegration(ctx) {
    ctx.body = await present((await load(ctx.params.id as string)).integration);
  });

  router.patch('/integrations/:id', async function patchIntegration(ctx) {
    const { integration, kind } = await load(ctx.params.id as string);
    const body = await jsonBody(ctx, patchIntegrationSchema, LIMITS.maxHttpBodyBytes);
    if (body.platforms) checkPlatforms(kind, body.platforms);
    const patch: Parameters<typeof store.integrations.update>[1] = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.platforms !== undefined) patch.platforms = body.platforms;
    if (body.config !== undefined) {
      // Secrets are write-only: a PATCH that omits them keeps the stored ones.
      // A field set to null is cleared (e.g. switching Workspace ONE from Basic to OAuth).
      const current = unsealSecrets(masterKey, integration.id, await store.integrations.sealedSecrets(integration.id));
      const merged = Object.fromEntries(
        Object.entries({ ...integration.config, ...current, ...body.config }).filter(([, v]) => v !== null),
      );
      const { publicConfig, secrets } = splitConfig(kind, merged);
      const hostFields = changedHostFields(kind, integration.config, body.config);
      requireSecretsWithHostChange(hostFields, Object.keys(secrets), body.config);
      patch.config = publicConfig;
      patch.sealedSecrets = sealSecrets(masterKey, integration.id, secrets);
      if (hostFields.length > 0) {
        const key = ctx.state.apiKey as ApiKey;
        log.warn(
          {
            integrationId: integration.id,
            kind: integration.kind,
            fields: hostFields,
            from: Object.fromEntries(hostFields.map((f) => [f, integration.config[f] ?? null])),
            to: Object.fromEntries(hostFields.map((f) => [f, publicConfig[f] ?? null])),
            apiKeyId: key.id,
            apiKeyName: key.name,
          },
          'integration host changed; credentials were given again',
        );
      }
    }
    if (body.schedule !== undefined) {
      patch.schedule = body.schedule;
      patch.nextSyncAt = kind.kind === 'csv' ? null : nextSyncAt(body.schedule, kind.defaultIntervalMinutes, Date.now());
    }
    ctx.body = await present((await store.integrations.update(integration.id, patch)) as Integration);
  });

  router.delete('/integrations/:id', async function deleteIntegration(ctx) {
    if (!(await store.integrations.delete(ctx.params.id as string))) throw notFound('integration');
    ctx.status = 204;
  });

  router.put('/integrations/:id/activation', async function setActivation(ctx) {
    const { integration } = await load(ctx.params.id as string);
    const body = await jsonBody(ctx, activationSchema, LIMITS.maxHttpBodyBytes);
    const groups = body.mode === 'test-groups' ? [...new Set(body.groups ?? [])] : [];
    ctx.body = await present((await store.integrations.setActivation(integration.id, body.mode, groups)) as Integration);
  });

  router.post('/integrations/:id/test', async function testIntegration(ctx) {
    await load(ctx.params.id as string);
    ctx.body = await engine.test(ctx.params.id as string);
  });

  router.post('/integrations/:id/sync', async function startSync(ctx) {
    const { integration } = await load(ctx.params.id as string);
    if (integration.kind === 'csv')
      throw badRequest('NOT_SYNCABLE', 'a CSV inventory is uploaded with PUT /admin/v1/integrations/:id/inventory');
    const run = await engine.startRun(integration.id, 'manual');
    ctx.status = 202;
    ctx.body = { syncId: run.id };
  });

  // Stops a running sync or upload; the last good inventory stays as it was.
  router.post('/integrations/:id/sync/cancel', async function cancelSync(ctx) {
    const { integration } = await load(ctx.params.id as string);
    const run = await engine.cancel(integration.id);
    const key = ctx.state.apiKey as ApiKey;
    log.info({ integrationId: integration.id, syncId: run.id, apiKeyId: key.id, apiKeyName: key.name }, 'sync cancel asked');
    // Still running: another collector process runs it and stops within seconds.
    ctx.status = run.status === 'running' ? 202 : 200;
    ctx.body = run;
  });

  router.get('/integrations/:id/syncs/:syncId', async function getSync(ctx) {
    await load(ctx.params.id as string);
    const run = await store.syncRuns.get(ctx.params.syncId as string);
    if (!run || run.integrationId !== ctx.params.id) throw notFound('sync');
    ctx.body = run;
  });

  router.get('/integrations/:id/syncs', async function listSyncs(ctx) {
    await load(ctx.params.id as string);
    ctx.body = { syncs: await store.syncRuns.list(ctx.params.id as string) };
  });

  router.put('/integrations/:id/inventory', async function uploadInventory(ctx) {
    const { integration } = await load(ctx.params.id as string);
    if (integration.kind !== 'csv')
      throw badRequest('NOT_UPLOADABLE', `a ${integration.kind} inventory is synced from the vendor, not uploaded`);
    if (!ctx.request.is('text/csv')) throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the inventory as text/csv');
    const { allowEmpty } = queryOf(ctx, uploadQuery);
    const text = await readBody(ctx, LIMITS.maxCsvBytes);
    const uncovered = new Map<string, number>();
    const pages = countUncovered(parseCsvInventory(text, { allowEmpty: allowEmpty === 'true' }), integration.platforms, uncovered);
    const run = await engine.ingest(integration.id, pages);
    if (run.status === 'cancelled')
      throw new AppError(409, 'UPLOAD_CANCELLED', 'the upload was cancelled; the previous inventory is unchanged');
    if (run.status !== 'succeeded') throw new AppError(500, 'UPLOAD_FAILED', run.error ?? 'the upload failed');
    ctx.body = { syncId: run.id, devices: run.devices, status: run.status, warnings: uncoveredWarnings(uncovered) };
  });

  router.get('/integrations/:id/identifiers/:identifier', async function findIdentifier(ctx) {
    const { integration } = await load(ctx.params.id as string);
    const raw = z.string().min(1).max(256).safeParse(ctx.params.identifier);
    if (!raw.success) throw badRequest('INVALID_REQUEST', 'identifier: must be 1-256 characters', 'identifier');
    const record = await findRecord(services, integration, raw.data);
    ctx.body = { found: record !== null, device: record ? await describeRecord(services, record) : null, syncedAt: integration.syncedAt };
  });
  return router;
}

/**
 * Counts the rows for a platform the integration does not cover, on their way to the store:
 * they are kept (the admin may add the platform later) but never match, so the upload says so.
 */
async function* countUncovered(
  pages: AsyncIterable<SourceDevice[]>,
  platforms: readonly Platform[],
  counts: Map<string, number>,
): AsyncGenerator<SourceDevice[]> {
  for await (const page of pages) {
    for (const device of page) {
      if (device.platform && !platforms.includes(device.platform)) counts.set(device.platform, (counts.get(device.platform) ?? 0) + 1);
    }
    yield page;
  }
}

function uncoveredWarnings(counts: Map<string, number>): string[] {
  return [...counts].map(
    ([platform, rows]) =>
      `${rows} ${rows === 1 ? 'row is' : 'rows are'} for ${platform}, which this integration does not cover: they never match until ${platform} is added to its platforms`,
  );
}

async function findRecord(services: Services, integration: Integration, raw: string): Promise<StoredInventoryRecord | null> {
  const { inventory } = services.store;
  const columns = { hardwareUuid: 'hardware_uuid', serialNumber: 'serial_number', machineGuid: 'machine_guid' } as const;
  for (const kind of IDENTIFIER_KINDS) {
    const value = normalizeIdentifier(kind, raw);
    if (value === null) continue;
    const records =
      kind === 'macAddress'
        ? await inventory.findByMac(value, [integration.id])
        : await inventory.findByIdentifier(columns[kind], value, [integration.id]);
    if (records[0]) return records[0];
  }
  const connector = normalizeIdentifier('hardwareUuid', raw);
  return connector ? ((await inventory.findByConnectorId(connector, [integration.id]))[0] ?? null) : null;
}

export async function describeRecord(services: Services, record: StoredInventoryRecord): Promise<Record<string, unknown>> {
  const { id: _id, integrationId: _integration, ...rest } = record;
  return { ...rest, macAddresses: await services.store.inventory.macsOf(record.id) };
}
