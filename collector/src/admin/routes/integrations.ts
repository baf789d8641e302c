import type { Router } from '@koa/router';
import { z } from 'zod';
import { LIMITS } from '@devtrust/shared/protocol';
import { AppError, badRequest, notFound } from '../../errors.js';
import { can } from '../../http/auth.js';
import { spooledText } from '../../http/body.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import { adminActor } from '../../http/actor.js';
import type { Services } from '../../services/services.js';
import { activationSchema, createIntegrationSchema, patchIntegrationSchema } from '../integration-input.js';

/** `?allowEmpty=true` confirms that an upload without rows is meant to empty the inventory. */
export const uploadQuery = z.strictObject({ allowEmpty: z.enum(['true', 'false']).optional() });
/**
 * `?allowEmpty=true` confirms that this one sync may empty the inventory, or shrink it past the
 * integration's `maxInventoryDropPercent`; the same words as an upload's.
 */
export const syncQuery = uploadQuery.extend({
  /** With allowEmpty: the fewest devices the admin accepts (what the refused sync listed); fewer is refused again. */
  minDevices: z
    .string()
    .regex(/^\d{1,9}$/, 'a whole number of devices')
    .optional(),
});
/** The same confirmation as a JSON body, for clients that send one: `{"allowEmpty": true, "minDevices": 40000}`. */
export const syncBody = z.strictObject({
  allowEmpty: z.boolean().optional(),
  minDevices: z.number().int().min(0).max(999_999_999).optional(),
});

/**
 * What the sync request confirms: whether it may empty or shrink the inventory, and to how few
 * devices at least. A query and a body that disagree are refused rather than guessed, and so is
 * a floor without the confirmation it qualifies.
 */
function confirmation(query: z.infer<typeof syncQuery>, body: z.infer<typeof syncBody>): { allowEmpty: boolean; minDevices?: number } {
  const fromQuery = query.allowEmpty === undefined ? undefined : query.allowEmpty === 'true';
  if (fromQuery !== undefined && body.allowEmpty !== undefined && fromQuery !== body.allowEmpty)
    throw badRequest('INVALID_REQUEST', 'allowEmpty: the query and the body disagree; give it once', 'allowEmpty');
  const minQuery = query.minDevices === undefined ? undefined : Number(query.minDevices);
  if (minQuery !== undefined && body.minDevices !== undefined && minQuery !== body.minDevices)
    throw badRequest('INVALID_REQUEST', 'minDevices: the query and the body disagree; give it once', 'minDevices');
  const allowEmpty = fromQuery ?? body.allowEmpty ?? false;
  const minDevices = minQuery ?? body.minDevices;
  if (minDevices !== undefined && !allowEmpty)
    throw badRequest('INVALID_REQUEST', 'minDevices: only with allowEmpty=true (it bounds what that confirmation accepts)', 'minDevices');
  return minDevices === undefined ? { allowEmpty } : { allowEmpty, minDevices };
}

const create = operation({
  summary: 'Create an integration (disabled)',
  body: createIntegrationSchema,
  responses: { 201: 'the integration, created disabled' },
});
const list = operation({ summary: 'List the integrations', responses: { 200: '{integrations: [...]}' } });
const get = operation({ summary: 'One integration', responses: { 200: 'the integration (secret values are never returned)' } });
const patch = operation({
  summary: 'Change an integration',
  description:
    '`config` fields given replace the stored ones; secret fields left out are kept; a field set to null is removed. Moving to another host needs the credentials again (400 CREDENTIALS_REQUIRED).',
  body: patchIntegrationSchema,
  responses: { 200: 'the integration' },
});
const remove = operation({ summary: 'Delete an integration and its inventory', responses: { 204: 'deleted' } });
const activation = operation({
  summary: 'Turn an integration on for all users, test groups, or off',
  body: activationSchema,
  responses: {
    200: 'the integration; with `warnings` when a test group has no known user in it (naming a known group that differs only by spaces or punctuation): the change is made all the same',
  },
});
const test = operation({
  summary: 'Test the configuration: one authenticated call to the vendor',
  responses: { 200: '{ok, message}: `ok: false` with the reason when it fails' },
});
const sync = operation({
  summary: 'Start a sync now',
  description:
    'A sync that lists no devices fails with VENDOR_EMPTY_INVENTORY, and one that lists more than `maxInventoryDropPercent` (default 50) fewer than the last good inventory with VENDOR_INVENTORY_DROP: the inventory is kept. `allowEmpty=true` confirms that this one run may empty or shrink it, with `minDevices=N` to at least N devices (fewer is refused again with VENDOR_INVENTORY_DROP); a failed or cancelled run still keeps it.',
  query: syncQuery,
  body: syncBody,
  bodyOptional: true,
  responses: {
    202: '{syncId, allowEmpty, minDevices?} (400 NOT_SYNCABLE for a kind that does not sync, 409 SYNC_RUNNING, 409 SYNC_SLOTS_FULL when 4 manual syncs run in this collector process)',
  },
});
const cancel = operation({
  summary: 'Stop a running sync or upload; the last good inventory stays',
  responses: { 200: 'the run, cancelled', 202: 'the run, while another collector process stops it' },
});
const readSync = operation({ summary: 'One sync run (poll it for progress)', responses: { 200: 'the run' } });
const syncRuns = operation({ summary: 'The sync runs of an integration, newest first', responses: { 200: '{syncs: [...]}' } });
const upload = operation({
  summary: 'Upload a CSV inventory: it replaces the whole inventory',
  description:
    'Only for kinds with the `upload` capability (else 400 NOT_UPLOADABLE). A bad file is 400 INVALID_CSV naming the line; a file without device rows is 400 EMPTY_INVENTORY unless `allowEmpty=true`.',
  query: uploadQuery,
  rawBody: {
    contentType: 'text/csv',
    description:
      'the inventory as CSV (docs/csv-format.md), UTF-8, up to 256 MiB (read into a temporary file, then parsed a page at a time)',
  },
  responses: { 200: '{syncId, devices, status, warnings}' },
});
const template = operation({
  summary: 'A header-only CSV to fill in for this integration',
  description: '`mac_addresses` is a column only when the integration matches MAC addresses.',
  responses: { 200: { description: 'the CSV header line', contentType: 'text/csv' } },
});
const findIdentifier = operation({
  summary: 'Check whether an identifier has synced',
  description: 'The identifier is normalised, then tried as hardware UUID, serial number, MachineGuid, MAC address and EDR connector ID.',
  params: z.object({ id: z.string(), identifier: z.string().min(1).max(256) }),
  responses: { 200: '{found, device, syncedAt}' },
});

/** `/admin/v1/integrations`: inventory sources, their syncs, CSV uploads and identifier look-ups. */
export function integrationRoutes(services: Services): Router {
  const { integrations, users } = services;
  const router = exactRouter();
  const guard = can('integrations');

  router.post('/integrations', guard, create, async function createIntegration(ctx) {
    const { body } = create.input(ctx);
    const integration = await integrations.create(body, adminActor(ctx));
    ctx.status = 201;
    ctx.body = await integrations.summary(integration);
  });

  router.get('/integrations', guard, list, async function listIntegrations(ctx) {
    ctx.body = { integrations: await Promise.all((await integrations.list()).map((i) => integrations.summary(i))) };
  });

  router.get('/integrations/:id', guard, get, async function getIntegration(ctx) {
    ctx.body = await integrations.summary((await integrations.load(ctx.params.id as string)).integration);
  });

  router.patch('/integrations/:id', guard, patch, async function patchIntegration(ctx) {
    const { integration } = await integrations.load(ctx.params.id as string);
    const { body } = patch.input(ctx);
    ctx.body = await integrations.summary(await integrations.update(integration.id, body, adminActor(ctx)));
  });

  router.delete('/integrations/:id', guard, remove, async function deleteIntegration(ctx) {
    if (!(await integrations.delete(ctx.params.id as string, adminActor(ctx)))) throw notFound('integration');
    ctx.status = 204;
  });

  router.put('/integrations/:id/activation', guard, activation, async function setActivation(ctx) {
    const { integration } = await integrations.load(ctx.params.id as string);
    const { body } = activation.input(ctx);
    const saved = await integrations.summary(
      await integrations.setActivation(integration.id, body.mode, body.groups ?? [], adminActor(ctx)),
    );
    // Said, never refused: a group may be set up before its users are.
    const warnings = body.mode === 'test-groups' ? await users.activationGroupWarnings(body.groups ?? []) : [];
    ctx.body = warnings.length > 0 ? { ...saved, warnings } : saved;
  });

  router.post('/integrations/:id/test', guard, test, async function testIntegration(ctx) {
    ctx.body = await integrations.test(ctx.params.id as string);
  });

  router.post('/integrations/:id/sync', guard, sync, async function startSync(ctx) {
    const { query, body } = sync.input(ctx);
    const confirmed = confirmation(query, body);
    const run = await integrations.startSync(ctx.params.id as string, adminActor(ctx), confirmed);
    ctx.status = 202;
    ctx.body = {
      syncId: run.id,
      allowEmpty: run.allowEmpty,
      ...(confirmed.minDevices !== undefined ? { minDevices: confirmed.minDevices } : {}),
    };
  });

  // Stops a running sync or upload; the last good inventory stays as it was.
  router.post('/integrations/:id/sync/cancel', guard, cancel, async function cancelSync(ctx) {
    const run = await integrations.cancelSync(ctx.params.id as string, adminActor(ctx));
    // Still running: another collector process runs it and stops within seconds.
    ctx.status = run.status === 'running' ? 202 : 200;
    ctx.body = run;
  });

  router.get('/integrations/:id/syncs/:syncId', guard, readSync, async function getSync(ctx) {
    ctx.body = await integrations.syncRun(ctx.params.id as string, ctx.params.syncId as string);
  });

  router.get('/integrations/:id/syncs', guard, syncRuns, async function listSyncs(ctx) {
    ctx.body = { syncs: await integrations.syncs(ctx.params.id as string) };
  });

  router.put('/integrations/:id/inventory', guard, upload, async function uploadInventory(ctx) {
    const integration = await integrations.requireUploadable(ctx.params.id as string);
    if (!ctx.request.is('text/csv')) throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the inventory as text/csv');
    const { allowEmpty } = upload.input(ctx).query;
    // Spooled to a temporary file, then parsed a page of rows at a time into the staged inventory: never held whole.
    const body = await spooledText(ctx, LIMITS.maxCsvBytes);
    try {
      const { run, warnings } = await integrations.upload(integration, body.text, { allowEmpty: allowEmpty === 'true' }, adminActor(ctx));
      ctx.body = { syncId: run.id, devices: run.devices, status: run.status, warnings };
    } finally {
      await body.remove();
    }
  });

  // A header-only CSV for this integration (mac_addresses when it matches MACs), to fill in.
  router.get('/integrations/:id/inventory/template', guard, template, async function inventoryTemplate(ctx) {
    const csv = await integrations.csvTemplate(ctx.params.id as string);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', 'attachment; filename="devtrust-inventory-template.csv"');
    ctx.body = csv;
  });

  router.get('/integrations/:id/identifiers/:identifier', guard, findIdentifier, async function findByIdentifier(ctx) {
    const { params } = findIdentifier.input(ctx);
    const { integration } = await integrations.load(params.id);
    const record = await integrations.findRecord(integration, params.identifier);
    ctx.body = {
      found: record !== null,
      device: record ? await integrations.describeRecord(record) : null,
      syncedAt: integration.syncedAt,
    };
  });
  return router;
}
