import type { Router } from '@koa/router';
import { z } from 'zod';
import { LIMITS } from '@devtrust/shared/protocol';
import { AppError, badRequest, notFound } from '../../errors.js';
import { can } from '../../http/auth.js';
import { jsonBody, queryOf, spooledText } from '../../http/body.js';
import { exactRouter } from '../../http/routing.js';
import type { ApiKey } from '../../domain/api-key.js';
import type { Services } from '../../services/services.js';
import { activationSchema, createIntegrationSchema, patchIntegrationSchema } from '../integration-input.js';

/** `?allowEmpty=true` confirms that an upload without rows is meant to empty the inventory. */
export const uploadQuery = z.strictObject({ allowEmpty: z.enum(['true', 'false']).optional() });

/** `/admin/v1/integrations`: inventory sources, their syncs, CSV uploads and identifier look-ups. */
export function integrationRoutes(services: Services): Router {
  const { integrations } = services;
  const router = exactRouter();
  router.use('/integrations', can('integrations'));

  router.post('/integrations', async function createIntegration(ctx) {
    const body = await jsonBody(ctx, createIntegrationSchema, LIMITS.maxHttpBodyBytes);
    const integration = await integrations.create(body);
    ctx.status = 201;
    ctx.body = await integrations.summary(integration);
  });

  router.get('/integrations', async function listIntegrations(ctx) {
    ctx.body = { integrations: await Promise.all((await integrations.list()).map((i) => integrations.summary(i))) };
  });

  router.get('/integrations/:id', async function getIntegration(ctx) {
    ctx.body = await integrations.summary((await integrations.load(ctx.params.id as string)).integration);
  });

  router.patch('/integrations/:id', async function patchIntegration(ctx) {
    const { integration } = await integrations.load(ctx.params.id as string);
    const body = await jsonBody(ctx, patchIntegrationSchema, LIMITS.maxHttpBodyBytes);
    ctx.body = await integrations.summary(await integrations.update(integration.id, body, ctx.state.apiKey as ApiKey));
  });

  router.delete('/integrations/:id', async function deleteIntegration(ctx) {
    if (!(await integrations.delete(ctx.params.id as string))) throw notFound('integration');
    ctx.status = 204;
  });

  router.put('/integrations/:id/activation', async function setActivation(ctx) {
    const { integration } = await integrations.load(ctx.params.id as string);
    const body = await jsonBody(ctx, activationSchema, LIMITS.maxHttpBodyBytes);
    ctx.body = await integrations.summary(await integrations.setActivation(integration.id, body.mode, body.groups ?? []));
  });

  router.post('/integrations/:id/test', async function testIntegration(ctx) {
    ctx.body = await integrations.test(ctx.params.id as string);
  });

  router.post('/integrations/:id/sync', async function startSync(ctx) {
    const run = await integrations.startSync(ctx.params.id as string);
    ctx.status = 202;
    ctx.body = { syncId: run.id };
  });

  // Stops a running sync or upload; the last good inventory stays as it was.
  router.post('/integrations/:id/sync/cancel', async function cancelSync(ctx) {
    const run = await integrations.cancelSync(ctx.params.id as string, ctx.state.apiKey as ApiKey);
    // Still running: another collector process runs it and stops within seconds.
    ctx.status = run.status === 'running' ? 202 : 200;
    ctx.body = run;
  });

  router.get('/integrations/:id/syncs/:syncId', async function getSync(ctx) {
    ctx.body = await integrations.syncRun(ctx.params.id as string, ctx.params.syncId as string);
  });

  router.get('/integrations/:id/syncs', async function listSyncs(ctx) {
    ctx.body = { syncs: await integrations.syncs(ctx.params.id as string) };
  });

  router.put('/integrations/:id/inventory', async function uploadInventory(ctx) {
    const integration = await integrations.requireUploadable(ctx.params.id as string);
    if (!ctx.request.is('text/csv')) throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the inventory as text/csv');
    const { allowEmpty } = queryOf(ctx, uploadQuery);
    // Spooled to a temporary file, then parsed a page of rows at a time into the staged inventory: never held whole.
    const body = await spooledText(ctx, LIMITS.maxCsvBytes);
    try {
      const { run, warnings } = await integrations.upload(integration, body.text, { allowEmpty: allowEmpty === 'true' });
      ctx.body = { syncId: run.id, devices: run.devices, status: run.status, warnings };
    } finally {
      await body.remove();
    }
  });

  router.get('/integrations/:id/identifiers/:identifier', async function findIdentifier(ctx) {
    const { integration } = await integrations.load(ctx.params.id as string);
    const raw = z.string().min(1).max(256).safeParse(ctx.params.identifier);
    if (!raw.success) throw badRequest('INVALID_REQUEST', 'identifier: must be 1-256 characters', 'identifier');
    const record = await integrations.findRecord(integration, raw.data);
    ctx.body = {
      found: record !== null,
      device: record ? await integrations.describeRecord(record) : null,
      syncedAt: integration.syncedAt,
    };
  });
  return router;
}
