import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { tokenMatches } from '@devtrust/shared/crypto';
import { displayText } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { jsonBody } from '../http/body.js';
import { signInLimitsOf } from '../limits/abuse-limits.js';
import { notFound, unauthorized } from '../errors.js';
import type { Services } from '../services/services.js';
import type { Application } from '../store/types.js';
import { normalizeUsername } from '../store/repos/users.js';

// The username is shown on the prompt and in the tray's confirmation: display text only.
const createTransaction = z.strictObject({ username: displayText(256) });

/** The transaction API applications call with their client credentials (HTTP Basic). */
export function verdictRouter(services: Services): Router {
  const { store } = services;
  const router = new Router({ prefix: '/api/v1' });
  const limits = signInLimitsOf(services);

  async function authenticateApplication(ctx: Context): Promise<Application> {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(ctx.get('authorization'));
    if (!match?.[1]) throw unauthorized('send the application credentials as HTTP Basic clientId:clientSecret');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const clientId = decodeURIComponent(decoded.slice(0, colon));
    const secret = decodeURIComponent(decoded.slice(colon + 1));
    const app = colon > 0 ? await store.applications.byClientId(clientId) : null;
    if (!app || !tokenMatches(secret, app.secretHash)) {
      ctx.set('WWW-Authenticate', 'Basic realm="devtrust"');
      throw unauthorized('unknown client or wrong client secret');
    }
    return app;
  }

  router.post('/transactions', async function createTx(ctx) {
    // The address first, so guessing credentials is limited too; then the application.
    limits.address(ctx.ip);
    const app = await authenticateApplication(ctx);
    limits.application(app.id);
    const body = await jsonBody(ctx, createTransaction, LIMITS.maxHttpBodyBytes);
    const tx = await store.transactions.create(app.id, normalizeUsername(body.username), LIMITS.transactionTtlSec * 1000);
    ctx.status = 201;
    ctx.body = { id: tx.id, expiresAt: new Date(tx.expiresAt).toISOString() };
  });

  router.get('/transactions/:id', async function getTx(ctx) {
    const app = await authenticateApplication(ctx);
    const tx = await store.transactions.get(ctx.params.id as string);
    // Another application's transaction is as unknown as a missing one.
    if (!tx || tx.applicationId !== app.id) throw notFound('transaction');
    ctx.body = {
      id: tx.id,
      state: tx.state,
      ...(tx.verdict ?? {}),
      endpointId: tx.endpointId,
      expiresAt: new Date(tx.expiresAt).toISOString(),
      ...(tx.decidedAt ? { decidedAt: new Date(tx.decidedAt).toISOString() } : {}),
    };
  });
  return router;
}
