import type { Router } from '@koa/router';
import { z } from 'zod';
import { displayText } from '@devtrust/shared/identity';
import { ROLES, type ApiKey } from '../../domain/api-key.js';
import { conflict, notFound, unauthorized } from '../../errors.js';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

export const createKey = operation({
  summary: 'Create an API key',
  body: z.strictObject({ name: displayText(200), role: z.enum(ROLES) }),
  responses: { 201: '{id, name, role, createdAt, lastUsedAt, revokedAt, key}: `key` (dtk_…) is shown this once; only its hash is kept' },
});
const listKeys = operation({ summary: 'List the API keys', responses: { 200: '{apiKeys: [...]}, never a key' } });
const revokeKey = operation({
  summary: 'Revoke an API key',
  responses: { 204: 'the key stops working at once (409 LAST_OWNER when it is the last owner key revoking itself)' },
});

/** `/admin/v1/api-keys`: owners create, list and revoke admin API keys. */
export function apiKeyRoutes(services: Services): Router {
  const { apiKeys } = services;
  const router = exactRouter();
  const keys = can('api-keys');

  router.post('/api-keys', keys, createKey, async function createApiKey(ctx) {
    const { body } = createKey.input(ctx);
    ctx.status = 201;
    ctx.body = await apiKeys.create(body.name, body.role, adminActor(ctx));
  });

  router.get('/api-keys', keys, listKeys, async function listApiKeys(ctx) {
    ctx.body = { apiKeys: await apiKeys.list() };
  });

  router.delete('/api-keys/:id', keys, revokeKey, async function revokeApiKey(ctx) {
    const caller = ctx.state.apiKey as ApiKey;
    const outcome = await apiKeys.revoke(ctx.params.id as string, caller.id, adminActor(ctx));
    if (outcome === 'not-found') throw notFound('API key');
    if (outcome === 'caller-revoked') throw unauthorized('the API key is unknown or revoked');
    if (outcome === 'last-owner') {
      throw conflict('LAST_OWNER', 'revoking the last owner key would lock everyone out; create another owner key first');
    }
    // The revoked key may be the owner key first-start-keys.txt lists: the file must not offer it any more.
    await services.firstStartKeys.refresh();
    ctx.status = 204;
  });
  return router;
}
