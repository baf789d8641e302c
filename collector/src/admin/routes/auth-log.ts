import type { Router } from '@koa/router';
import { z } from 'zod';
import { badRequest } from '../../errors.js';
import { can } from '../../http/auth.js';
import { queryOf } from '../../http/body.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

export const logQuery = z.strictObject({
  since: z.string().optional(),
  user: z.string().max(256).optional(),
  verdict: z.enum(['trusted', 'untrusted']).optional(),
  outcome: z.enum(['attested', 'unattested', 'abandoned', 'all']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** `/admin/v1/auth-log`: the sign-ins and their verdicts, newest first. */
export function authLogRoutes(services: Services): Router {
  const { authLog } = services;
  const router = exactRouter();

  router.get('/auth-log', can('auth-log'), async function listAuthLog(ctx) {
    const query = queryOf(ctx, logQuery);
    let since: number | undefined;
    if (query.since !== undefined) {
      since = /^\d+$/.test(query.since) ? Number(query.since) : Date.parse(query.since);
      if (Number.isNaN(since)) throw badRequest('INVALID_REQUEST', 'since: must be an ISO date or milliseconds since the epoch', 'since');
    }
    ctx.body = {
      entries: await authLog.query({
        ...(since !== undefined ? { since } : {}),
        ...(query.user ? { user: query.user } : {}),
        ...(query.verdict ? { verdict: query.verdict } : {}),
        ...(query.outcome ? { outcome: query.outcome } : {}),
        limit: query.limit ?? 200,
      }),
    };
  });
  return router;
}
