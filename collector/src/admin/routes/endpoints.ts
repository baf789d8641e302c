import type { Router } from '@koa/router';
import { z } from 'zod';
import { can } from '../../http/auth.js';
import { exactRouter } from '../../http/routing.js';
import { queryOf } from '../../http/body.js';
import { notFound } from '../../errors.js';
import type { Services } from '../../services/services.js';
import type { Endpoint } from '../../store/types.js';

/** Endpoints judged per filtered listing; past this, use `q` to narrow the search. */
const MAX_FILTERED = 10_000;

const listQuery = z.strictObject({
  trusted: z.enum(['true', 'false']).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

export function endpointRoutes(services: Services): Router {
  const { store, verdicts } = services;
  const router = exactRouter();
  const endpoints = can('endpoints');

  /** The Device Insight view of one endpoint: identity, what it matched, EDR, last verdict. */
  async function present(endpoint: Endpoint, detail: boolean): Promise<Record<string, unknown>> {
    // Listings judge from synced data only: one vendor call per row would stall the page.
    const evaluation = await verdicts.evaluate(endpoint, endpoint.lastUser ?? '', null, { lookups: detail });
    const { publicKey: _publicKey, report, ...rest } = endpoint;
    return {
      ...rest,
      connected: services.channel?.isConnected(endpoint.id) ?? false,
      identity: report?.identity ?? null,
      posture: report?.posture ?? null,
      agentVersion: report?.agentVersion ?? null,
      edr: report?.identity.edr ?? [],
      edrStatus: evaluation.edr,
      trusted: evaluation.match.trusted && !endpoint.blocked,
      matched: evaluation.match.match,
      matchReasons: evaluation.match.reasons,
      flags: evaluation.match.flags,
      ...(detail ? { history: (await store.endpoints.history(endpoint.id)).map((h) => ({ receivedAt: h.receivedAt, seq: h.seq })) } : {}),
    };
  }

  router.get('/endpoints', endpoints, async function listEndpoints(ctx) {
    const query = queryOf(ctx, listQuery);
    const limit = query.limit ?? 500;
    const offset = query.offset ?? 0;
    const q = query.q ? { q: query.q } : {};
    if (query.trusted === undefined) {
      const endpoints = await store.endpoints.list({ ...q, limit, offset });
      ctx.body = { endpoints: await Promise.all(endpoints.map((e) => present(e, false))) };
      return;
    }
    // Trust is judged now, not stored: filter every candidate, then page the result.
    const wanted = query.trusted === 'true';
    const candidates = await Promise.all((await store.endpoints.list({ ...q, limit: MAX_FILTERED })).map((e) => present(e, false)));
    ctx.body = { endpoints: candidates.filter((e) => e.trusted === wanted).slice(offset, offset + limit) };
  });

  router.get('/endpoints/:id', endpoints, async function getEndpoint(ctx) {
    const endpoint = await store.endpoints.get(ctx.params.id as string);
    if (!endpoint) throw notFound('endpoint');
    ctx.body = await present(endpoint, true);
  });

  router.post('/endpoints/:id/block', endpoints, async function blockEndpoint(ctx) {
    if (!(await store.endpoints.setBlocked(ctx.params.id as string, true))) throw notFound('endpoint');
    ctx.body = await present((await store.endpoints.get(ctx.params.id as string)) as Endpoint, false);
  });

  router.delete('/endpoints/:id/block', endpoints, async function unblockEndpoint(ctx) {
    if (!(await store.endpoints.setBlocked(ctx.params.id as string, false))) throw notFound('endpoint');
    ctx.body = await present((await store.endpoints.get(ctx.params.id as string)) as Endpoint, false);
  });

  router.delete('/endpoints/:id', endpoints, async function forgetEndpoint(ctx) {
    if (!(await store.endpoints.forget(ctx.params.id as string))) throw notFound('endpoint');
    services.channel?.disconnect(ctx.params.id as string, 'ENDPOINT_UNKNOWN');
    ctx.status = 204;
  });
  return router;
}
