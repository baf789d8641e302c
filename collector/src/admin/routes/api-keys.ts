import type { Router } from '@koa/router';
import { z } from 'zod';
import { hashToken, randomToken } from '@devtrust/shared/crypto';
import { displayText } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { can } from '../../http/auth.js';
import { jsonBody } from '../../http/body.js';
import { exactRouter } from '../../http/routing.js';
import { conflict, notFound, unauthorized } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { ROLES, type ApiKey } from '../../store/types.js';

const createKey = z.strictObject({ name: displayText(200), role: z.enum(ROLES) });

export function apiKeyRoutes(services: Services): Router {
  const { store } = services;
  const router = exactRouter();
  const keys = can('api-keys');

  router.post('/api-keys', keys, async function createApiKey(ctx) {
    const body = await jsonBody(ctx, createKey, LIMITS.maxHttpBodyBytes);
    const key = randomToken('dtk');
    const created = await store.apiKeys.create({ name: body.name, role: body.role, keyHash: hashToken(key) });
    ctx.status = 201;
    ctx.body = { ...created, key };
  });

  router.get('/api-keys', keys, async function listApiKeys(ctx) {
    ctx.body = { apiKeys: await store.apiKeys.list() };
  });

  router.delete('/api-keys/:id', keys, async function revokeApiKey(ctx) {
    const caller = ctx.state.apiKey as ApiKey;
    const outcome = await store.apiKeys.revokeKeepingAnOwner(ctx.params.id as string, caller.id);
    if (outcome === 'not-found') throw notFound('API key');
    if (outcome === 'caller-revoked') throw unauthorized('the API key is unknown or revoked');
    if (outcome === 'last-owner') {
      throw conflict('LAST_OWNER', 'revoking the last owner key would lock everyone out; create another owner key first');
    }
    ctx.status = 204;
  });
  return router;
}
