import type { Router } from '@koa/router';
import { z } from 'zod';
import { can } from '../../http/auth.js';
import { exactRouter } from '../../http/routing.js';
import { queryOf } from '../../http/body.js';
import { conflict, notFound } from '../../errors.js';
import { postureFact } from '../../policy/health.js';
import type { Services } from '../../services/services.js';
import type { AgentConnections } from '../agent-connections.js';
import { APPROVAL_STATES, type Endpoint } from '../../domain/endpoint.js';

/** Endpoints judged per filtered listing; past this, use `q` to narrow the search. */
const MAX_FILTERED = 10_000;

export const listQuery = z.strictObject({
  trusted: z.enum(['true', 'false']).optional(),
  q: z.string().max(200).optional(),
  approval: z.enum(APPROVAL_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

/** `/admin/v1/endpoints`: Device Insight, blocking, approval of claims, forgetting. */
export function endpointRoutes(services: Services, agents: AgentConnections): Router {
  const { endpoints, verdicts } = services;
  const router = exactRouter();
  const guard = can('endpoints');

  /** The Device Insight view of one endpoint: identity, what it matched, EDR, last verdict. */
  async function present(endpoint: Endpoint, detail: boolean): Promise<Record<string, unknown>> {
    // Listings judge from synced data only: one vendor call per row would stall the page.
    const evaluation = await verdicts.evaluate(endpoint, endpoint.lastUser ?? '', null, { lookups: detail });
    const { publicKey: _publicKey, report, ...rest } = endpoint;
    return {
      ...rest,
      connected: agents.isConnected(endpoint.id),
      identity: report?.identity ?? null,
      posture: report?.posture ?? null,
      // Each health fact as verdicts use it: which source reported it, and what the agent said.
      postureSources: {
        diskEncryption: postureFact(evaluation.health, 'diskEncryption'),
        firewall: postureFact(evaluation.health, 'firewall'),
        osVersion: postureFact(evaluation.health, 'osVersion'),
      },
      agentVersion: report?.agentVersion ?? null,
      edr: report?.identity.edr ?? [],
      edrStatus: evaluation.edr,
      trusted: evaluation.match.trusted && !endpoint.blocked,
      matched: evaluation.match.match,
      matchReasons: evaluation.match.reasons,
      flags: evaluation.match.flags,
      ...(detail ? { history: (await endpoints.history(endpoint.id)).map((h) => ({ receivedAt: h.receivedAt, seq: h.seq })) } : {}),
    };
  }

  router.get('/endpoints', guard, async function listEndpoints(ctx) {
    const query = queryOf(ctx, listQuery);
    const limit = query.limit ?? 500;
    const offset = query.offset ?? 0;
    const q = { ...(query.q ? { q: query.q } : {}), ...(query.approval ? { approval: query.approval } : {}) };
    if (query.trusted === undefined) {
      const page = await endpoints.list({ ...q, limit, offset });
      ctx.body = { endpoints: await Promise.all(page.map((e) => present(e, false))) };
      return;
    }
    // Trust is judged now, not stored: filter every candidate, then page the result.
    const wanted = query.trusted === 'true';
    const candidates = await Promise.all((await endpoints.list({ ...q, limit: MAX_FILTERED })).map((e) => present(e, false)));
    ctx.body = { endpoints: candidates.filter((e) => e.trusted === wanted).slice(offset, offset + limit) };
  });

  router.get('/endpoints/:id', guard, async function getEndpoint(ctx) {
    const endpoint = await endpoints.get(ctx.params.id as string);
    if (!endpoint) throw notFound('endpoint');
    ctx.body = await present(endpoint, true);
  });

  router.post('/endpoints/:id/block', guard, async function blockEndpoint(ctx) {
    if (!(await endpoints.setBlocked(ctx.params.id as string, true))) throw notFound('endpoint');
    ctx.body = await present((await endpoints.get(ctx.params.id as string)) as Endpoint, false);
  });

  router.delete('/endpoints/:id/block', guard, async function unblockEndpoint(ctx) {
    if (!(await endpoints.setBlocked(ctx.params.id as string, false))) throw notFound('endpoint');
    ctx.body = await present((await endpoints.get(ctx.params.id as string)) as Endpoint, false);
  });

  // Approval of an endpoint that claims identifiers another endpoint held first
  // (docs/enrollment-and-posture.md): approve makes the claims count, deny blocks it.
  for (const [action, apply] of [
    ['approve', (id: string) => endpoints.approve(id)],
    ['deny', (id: string) => endpoints.deny(id)],
  ] as const) {
    router.post(`/endpoints/:id/${action}`, guard, async function decideApproval(ctx) {
      const id = ctx.params.id as string;
      if (!(await apply(id))) {
        const endpoint = await endpoints.get(id);
        if (!endpoint) throw notFound('endpoint');
        throw conflict(
          'NOT_PENDING_APPROVAL',
          `the endpoint is not pending approval (it is ${endpoint.approval ?? 'enrolled without a claim'})`,
        );
      }
      services.log.info({ endpointId: id, apiKeyId: ctx.state.apiKey?.id }, `endpoint ${action === 'approve' ? 'approved' : 'denied'}`);
      ctx.body = await present((await endpoints.get(id)) as Endpoint, false);
    });
  }

  router.delete('/endpoints/:id', guard, async function forgetEndpoint(ctx) {
    if (!(await endpoints.forget(ctx.params.id as string))) throw notFound('endpoint');
    agents.disconnect(ctx.params.id as string, 'ENDPOINT_UNKNOWN');
    ctx.status = 204;
  });
  return router;
}
