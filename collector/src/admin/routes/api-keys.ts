import { Router } from '@koa/router';
import { z } from 'zod';
import { hashToken, randomToken } from '@devtrust/shared/crypto';
import { displayText } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { can } from '../../http/auth.js';
import { jsonBody } from '../../http/body.js';
import { conflict, notFound } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { ROLES, type ApiKey } from '../../store/types.js';

const createKey = z.strictObject({ name: displayText(200), role: z.enum(ROLES) });

export function apiKeyRoutes(services: Services): Router {
  const { store } = services;
  const router = new Router();
  router.use('/api-keys', can('api-keys'));

  router.post('/api-keys', async function createApiKey(ctx) {
    const body = await jsonBody(ctx, createKey, LIMITS.maxHttpBodyBytes);
    const key = randomToken('dtk');
    const created = await store.apiKeys.create({ name: body.name, role: body.role, keyHash: hashToken(key) });
    ctx.status = 201;
    ctx.body = { ...created, key };
  });

  router.get('/api-keys', async function listApiKeys(ctx) {
    ctx.body = { apiKeys: await store.apiKeys.list() };
  });

  router.delete('/api-keys/:id', async function revokeApiKey(ctx) {
    const caller = ctx.state.apiKey as ApiKey;
    if (ctx.params.id === caller.id && (await store.apiKeys.list()).filter((k) => k.role === 'owner' && !k.revokedAt).length <= 1) {
      throw conflict('LAST_OWNER', 'revoking the last owner key would lock everyone out; create another owner key first');
    }
    if (!(await store.apiKeys.revoke(ctx.params.id as string))) throw notFound('API key');
    ctx.status = 204;
  });
  return router;
}
