import type { Router } from '@koa/router';
import { z } from 'zod';
import { displayText } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { ROLES, type ApiKey } from '../../domain/api-key.js';
import { conflict, notFound, unauthorized } from '../../errors.js';
import { can } from '../../http/auth.js';
import { jsonBody } from '../../http/body.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

export const createKey = z.strictObject({ name: displayText(200), role: z.enum(ROLES) });

/** `/admin/v1/api-keys`: owners create, list and revoke admin API keys. */
export function apiKeyRoutes(services: Services): Router {
  const { apiKeys } = services;
  const router = exactRouter();
  const keys = can('api-keys');

  router.post('/api-keys', keys, async function createApiKey(ctx) {
    const body = await jsonBody(ctx, createKey, LIMITS.maxHttpBodyBytes);
    ctx.status = 201;
    ctx.body = await apiKeys.create(body.name, body.role);
  });

  router.get('/api-keys', keys, async function listApiKeys(ctx) {
    ctx.body = { apiKeys: await apiKeys.list() };
  });

  router.delete('/api-keys/:id', keys, async function revokeApiKey(ctx) {
    const caller = ctx.state.apiKey as ApiKey;
    const outcome = await apiKeys.revoke(ctx.params.id as string, caller.id);
    if (outcome === 'not-found') throw notFound('API key');
    if (outcome === 'caller-revoked') throw unauthorized('the API key is unknown or revoked');
    if (outcome === 'last-owner') {
      throw conflict('LAST_OWNER', 'revoking the last owner key would lock everyone out; create another owner key first');
    }
    ctx.status = 204;
  });
  return router;
}
