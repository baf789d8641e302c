import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { exactRouter } from '../../http/routing.js';
import { operation } from '../../http/operation.js';
import { AppError, conflict, notFound } from '../../errors.js';
import { approveCaution, releaseCaution } from '../../match/release-caution.js';
import { asPassingCheck } from '../../policy/denial-reasons.js';
import { postureFact } from '../../policy/health.js';
import type { Services } from '../../services/services.js';
import type { Evaluation } from '../../services/verdicts.js';
import type { AgentConnections } from '../agent-connections.js';
import { APPROVAL_STATES, ENDPOINT_SORTS, type Endpoint, type IdentifierClaim, type WaitsOn } from '../../domain/endpoint.js';
import type { WaitsOnListed } from '../../match/waits-on.js';
import { decodeStringCursor, encodeCursor } from '../cursor.js';

/**
 * Endpoints judged per page of a `trusted` listing: trust is judged at read time, so a page
 * that finds fewer than `limit` within this many returns what it found and a cursor.
 */
const MAX_JUDGED_PER_PAGE = 2_000;

/** Endpoints waiting on one whose release is cautioned against, at most, for the caution to name whom it would approve. */
const MAX_JUDGED_FOR_CAUTION = 1_000;

const BLOCKED_REASON = 'untrusted: an administrator blocked this endpoint (every sign-in from it is denied)';

/**
 * What an endpoint became after its last verdict allowed it: released, denied or blocked (every
 * sign-in from it is denied now, so a verdict of `allow` was given before); null when its last
 * verdict denied or still holds. A listing and the endpoint's page say so beside that verdict,
 * rather than show a released endpoint as last "trusted · allow" and nothing more.
 */
function lastVerdictOutdated(endpoint: Endpoint): 'released' | 'denied' | 'blocked' | null {
  if (!endpoint.blocked || endpoint.lastVerdict === null || endpoint.lastVerdict.access === 'deny') return null;
  if (endpoint.releasedAt !== null) return 'released';
  return endpoint.approval === 'denied' ? 'denied' : 'blocked';
}

export const endpointListQuery = z.strictObject({
  trusted: z.enum(['true', 'false']).optional(),
  q: z.string().max(200).optional(),
  approval: z.enum(APPROVAL_STATES).optional(),
  sort: z.enum(ENDPOINT_SORTS).optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const list = operation({
  summary: 'List endpoints (enrolled agents), a page at a time',
  description:
    '`q` searches hostnames, serial numbers, hardware UUIDs, MachineGuids, MAC addresses, last users and endpoint ids; `trusted` filters on the trust judged now (no total); `approval` lists the endpoints in that approval state; `sort` is `lastSeen` (default) or `enrolled` (stable while agents report); `cursor` is the `nextCursor` of the page before.',
  query: endpointListQuery,
  responses: {
    200: '{endpoints: [...], nextCursor, total: {count, exact} | null}; each endpoint has `lastVerdictOutdated`: `released`, `denied` or `blocked` when its `lastVerdict` allowed and the endpoint was since released, denied or blocked (every sign-in from it is denied now), else null; a pending endpoint in the list has `waitsOn` (`[{id, hostname, kinds, standing}]`: the first 5 endpoints it waits on, each with the identifier kinds it holds against it, and `holds`, `blocked`, `released` or `forgotten`; after a forgotten holder, who holds what it reports now comes first) and `waitsOnCount` (all of them), the others `waitsOn: null, waitsOnCount: null`',
  },
});
const get = operation({
  summary: 'One endpoint, with its report history',
  description:
    "`waiting`: the endpoints pending approval on its identifiers, those whose claims name it and those reporting a value bound to it now (`count`, the `first` 20, oldest enrollment first); `releaseCaution` (`{reason, message}` or null): what releasing it would risk, `holder-blocked` (what waits on it may be a lost or stolen device's reinstall), `holder-still-reporting` (it reported after the first of them enrolled: likely the real device, and they copies of its disk image) or `endpoint-pending` (it is itself pending: releasing it only retires the new key); the message names whom the release would approve. A pending or denied endpoint also has `claimsNow`: what it claims against today, with today's holders (its `approvalClaims` are what it claimed when it enrolled); approving it binds what it reports now, making those holders its duplicates; and `approveCaution` (null, or `holder-blocked`: a blocked endpoint holds them, and approving trusts this one through them, as it would a thief reinstalling the agent on a stolen device).",
  responses: {
    200: 'the endpoint, with `history`, `waiting`, `releaseCaution` and (pending) `claimsNow`, `approveCaution` and `waitsOn`, `waitsOnCount`, `waitsOnOutdated` as the listing has them',
  },
});
const block = operation({
  summary: 'Block an endpoint: every sign-in from it is denied',
  responses: { 200: 'the endpoint, `blocked: true`' },
});
const unblock = operation({
  summary: 'Lift a block',
  responses: { 200: 'the endpoint, `blocked: false` (409 ENDPOINT_RELEASED for a released endpoint)' },
});
const decide = {
  approve: operation({
    summary: "Approve an endpoint's claim to identifiers another endpoint held first",
    responses: { 200: 'the endpoint (409 NOT_PENDING_APPROVAL when it is not pending)' },
  }),
  deny: operation({
    summary: "Deny an endpoint's claim: it is blocked and its claims never count",
    responses: { 200: 'the endpoint, `approval: "denied"` (409 NOT_PENDING_APPROVAL when it is not pending)' },
  }),
};
const release = operation({
  summary: "Release an endpoint's identifiers for good (a re-imaged laptop's old key)",
  description: 'The endpoint stays blocked; endpoints waiting on its identifiers are judged again.',
  responses: {
    200: '{endpointId, identifiers, freed, endpoint} (409 ENDPOINT_RELEASED when already released; 409 ENDPOINT_DENIED for a denied endpoint, which holds nothing to release)',
  },
});
const forget = operation({
  summary: 'Forget an endpoint: deleted and disconnected; its agent enrolls again',
  description:
    'Its identifier bindings go with it (`identifiers`). Endpoints waiting for approval on it stay pending, to be approved or denied one by one (`stillPending`): forgetting judges none of them again.',
  responses: { 200: '{forgotten: {id, hostname}, identifiers, stillPending}' },
});

/** `/admin/v1/endpoints`: Device Insight, blocking, approval of claims, releasing, forgetting. */
export function endpointRoutes(services: Services, agents: AgentConnections): Router {
  const { endpoints, verdicts } = services;
  const router = exactRouter();
  const guard = can('endpoints');

  /**
   * The endpoint as an admin's change left it, read again after the change. A forget racing the
   * request (DELETE of the same endpoint) can delete it between the two: the change was made, but
   * there is nothing left to show, so a 404 that says so rather than a 500.
   */
  async function presentChanged(id: string): Promise<Record<string, unknown>> {
    const endpoint = await endpoints.get(id);
    if (!endpoint) throw new AppError(404, 'NOT_FOUND', 'endpoint not found: it was forgotten while this request was being made');
    return present(endpoint, false);
  }

  /** The Device Insight view of one endpoint: identity, what it matched, EDR, last verdict. */
  async function present(endpoint: Endpoint, detail: boolean, judged?: Evaluation): Promise<Record<string, unknown>> {
    // Listings judge from synced data only: one vendor call per row would stall the page.
    const evaluation = judged ?? (await verdicts.evaluate(endpoint, endpoint.lastUser ?? '', null, { lookups: detail }));
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
      lastVerdictOutdated: lastVerdictOutdated(endpoint),
      matched: evaluation.match.match,
      /** mdm_asserted or identifiers when the match trusts the device, under the global policy. */
      assurance: evaluation.identifiedBy,
      // A blocked endpoint is untrusted whatever it matched: its reasons say so first, and a
      // match that passed reads as passing, not as a reason (policy/denial-reasons.ts). A denied
      // or released one's own reason says it is blocked: not a second, bare "blocked".
      matchReasons:
        endpoint.blocked && evaluation.match.explainsBlock !== true
          ? [BLOCKED_REASON, ...evaluation.match.reasons.map(asPassingCheck)]
          : evaluation.match.reasons,
      flags: evaluation.match.flags,
      ...(detail ? await detailOf(endpoint) : {}),
    };
  }

  /**
   * What only one endpoint's page shows: its report history; the endpoints pending on its
   * identifiers (what a release judges again, and a forget leaves pending) and what releasing
   * it would risk (match/release-caution.ts); and, pending or denied itself, what it claims
   * against today (what approving or unblocking it would make duplicates of: its stored claims
   * are the ones it enrolled with).
   */
  async function detailOf(endpoint: Endpoint): Promise<Record<string, unknown>> {
    const waiting = await endpoints.waitingOn(endpoint.id);
    // A denied endpoint unblocked is approved and binds what it reports, as an approval does.
    const deciding = endpoint.approval === 'pending' || endpoint.approval === 'denied' ? await claimsNowOf(endpoint.id) : null;
    const waitsOn = deciding ? [...deciding.holders.keys()] : [];
    // Who a release would approve, worked out only when it is cautioned against and for a waiting
    // list an admin reads (it judges every waiter).
    const connected = agents.isConnected(endpoint.id);
    const cautioned = releaseCaution(endpoint, waiting, { waitsOn, connected });
    const approves =
      cautioned && cautioned.reason !== 'endpoint-pending' && waiting.count <= MAX_JUDGED_FOR_CAUTION
        ? await endpoints.freedByRelease(endpoint.id)
        : undefined;
    return {
      history: (await endpoints.history(endpoint.id)).map((h) => ({ receivedAt: h.receivedAt, seq: h.seq })),
      waiting,
      releaseCaution: cautioned && releaseCaution(endpoint, waiting, { waitsOn, connected, ...(approves ? { approves } : {}) }),
      ...(deciding ? { claimsNow: deciding.claimsNow, approveCaution: approveCaution(deciding.claimsNow, deciding.holders) } : {}),
    };
  }

  /** What a pending endpoint claims against now, with each holder named there. */
  async function claimsNowOf(id: string): Promise<{ claimsNow: IdentifierClaim[]; holders: Map<string, Endpoint> }> {
    const claimsNow = await endpoints.claimsNow(id);
    const holders = new Map<string, Endpoint>();
    for (const holder of new Set(claimsNow.flatMap((c) => c.heldBy))) {
      const found = await endpoints.get(holder);
      if (found) holders.set(holder, found);
    }
    return { claimsNow, holders };
  }

  /**
   * A page's rows as the listing shows them: each with `waitsOn`, what a pending endpoint waits
   * on (null for the others), from the claims the rows hold and one batched read of the
   * holders' names for the page (EndpointService.waitsOn).
   */
  async function listed(rows: Endpoint[]): Promise<Record<string, unknown>[]> {
    const [waits, judged] = await Promise.all([endpoints.waitsOn(rows), verdicts.evaluateEach(rows)]);
    return Promise.all(rows.map(async (e, i) => ({ ...(await present(e, false, judged[i])), ...waitsOnFields(waits.get(e.id)) })));
  }

  /**
   * `waitsOn`: the first holders (null for an endpoint that is not pending); `waitsOnCount`: all
   * of them; `waitsOnOutdated`: its claims changed and were not read again for this page. A
   * holder connected to this collector now is in use, whatever its last report's time (agents
   * report every 15 minutes): never "quiet" beside a copy that enrolled since its last report.
   */
  function waitsOnFields(listed: WaitsOnListed | undefined): {
    waitsOn: WaitsOn[] | null;
    waitsOnCount: number | null;
    waitsOnOutdated: boolean | null;
  } {
    const first = listed?.first.map((w) =>
      w.standing === 'holds' && !w.reportedSince && agents.isConnected(w.id) ? { ...w, reportedSince: true } : w,
    );
    return { waitsOn: first ?? null, waitsOnCount: listed?.count ?? null, waitsOnOutdated: listed?.outdated ?? null };
  }

  router.get('/endpoints', guard, list, async function listEndpoints(ctx) {
    const { query } = list.input(ctx);
    const sort = query.sort ?? 'lastSeen';
    const listing = `endpoints:${sort}`;
    const filter = { ...(query.q?.trim() ? { q: query.q } : {}), ...(query.approval ? { approval: query.approval } : {}) };
    const page = {
      ...filter,
      sort,
      limit: query.limit ?? 500,
      ...(query.cursor !== undefined ? { after: decodeStringCursor(query.cursor, listing) } : {}),
    };
    const cursorAfter = (e: Endpoint) => encodeCursor(listing, { at: sort === 'enrolled' ? e.enrolledAt : e.lastSeenAt, id: e.id });
    if (query.trusted === undefined) {
      // One row past the page says whether another page follows; a first page that is also the
      // last holds the whole count (a rare search match then scans the table once, not twice).
      const read = await endpoints.page({ ...page, limit: page.limit + 1 });
      const total = !page.after && read.length <= page.limit ? { count: read.length, exact: true } : await endpoints.total(filter);
      const rows = read.slice(0, page.limit);
      const last = read.length > page.limit ? rows[rows.length - 1] : undefined;
      ctx.body = {
        endpoints: await listed(rows),
        nextCursor: last ? cursorAfter(last) : null,
        total,
      };
      return;
    }
    // Trust is judged now, not stored: judge in order, keep the wanted ones, no total.
    const wanted = query.trusted === 'true';
    const { items, next } = await endpoints.pageWhere(
      page,
      async (e) => {
        const shown = await present(e, false);
        return shown.trusted === wanted ? { endpoint: e, shown } : null;
      },
      MAX_JUDGED_PER_PAGE,
    );
    const waits = await endpoints.waitsOn(items.map((i) => i.endpoint));
    ctx.body = {
      endpoints: items.map((i) => ({ ...i.shown, ...waitsOnFields(waits.get(i.endpoint.id)) })),
      nextCursor: next ? cursorAfter(next) : null,
      total: null,
    };
  });

  router.get('/endpoints/:id', guard, get, async function getEndpoint(ctx) {
    const endpoint = await endpoints.get(ctx.params.id as string);
    if (!endpoint) throw notFound('endpoint');
    // What a pending endpoint waits on, as the listing says it (each holder still reporting, or
    // when it last did): the endpoint's page is where an admin decides between copy and re-image.
    const [shown, waits] = await Promise.all([present(endpoint, true), endpoints.waitsOn([endpoint])]);
    ctx.body = { ...shown, ...waitsOnFields(waits.get(endpoint.id)) };
  });

  router.post('/endpoints/:id/block', guard, block, async function blockEndpoint(ctx) {
    if (!(await endpoints.setBlocked(ctx.params.id as string, true, adminActor(ctx)))) throw notFound('endpoint');
    ctx.body = await presentChanged(ctx.params.id as string);
  });

  router.delete('/endpoints/:id/block', guard, unblock, async function unblockEndpoint(ctx) {
    if (!(await endpoints.setBlocked(ctx.params.id as string, false, adminActor(ctx)))) throw notFound('endpoint');
    ctx.body = await presentChanged(ctx.params.id as string);
  });

  // Approval of an endpoint that claims identifiers another endpoint held first
  // (docs/enrollment-and-posture.md): approve makes the claims count, deny blocks it.
  for (const [action, apply] of [
    ['approve', (id: string, ctx: Context) => endpoints.approve(id, adminActor(ctx))],
    ['deny', (id: string, ctx: Context) => endpoints.deny(id, adminActor(ctx))],
  ] as const) {
    router.post(`/endpoints/:id/${action}`, guard, decide[action], async function decideApproval(ctx) {
      const id = ctx.params.id as string;
      if (!(await apply(id, ctx))) {
        const endpoint = await endpoints.get(id);
        if (!endpoint) throw notFound('endpoint');
        throw conflict(
          'NOT_PENDING_APPROVAL',
          `the endpoint is not pending approval (it is ${endpoint.approval ?? 'enrolled without a claim'})`,
        );
      }
      services.log.info({ endpointId: id, apiKeyId: ctx.state.apiKey?.id }, `endpoint ${action === 'approve' ? 'approved' : 'denied'}`);
      ctx.body = await presentChanged(id);
    });
  }

  // Release: the endpoint's key gives up the identifiers it holds, for good (a re-imaged
  // laptop enrolled with a new key); endpoints waiting on them are judged again.
  router.post('/endpoints/:id/release', guard, release, async function releaseEndpoint(ctx) {
    const id = ctx.params.id as string;
    const released = await endpoints.release(id, adminActor(ctx));
    ctx.body = { ...released, endpoint: await presentChanged(id) };
  });

  // Forget: answers the endpoints it leaves waiting, so the admin decides on them rather than
  // finding them pending later.
  router.delete('/endpoints/:id', guard, forget, async function forgetEndpoint(ctx) {
    const id = ctx.params.id as string;
    const done = await endpoints.forgetAndTell(id, adminActor(ctx));
    if (!done) throw notFound('endpoint');
    agents.disconnect(id, 'ENDPOINT_UNKNOWN');
    const { endpoint, endpointId: _endpointId, ...told } = done;
    ctx.body = { forgotten: { id, hostname: endpoint.hostname ?? null }, ...told };
  });
  return router;
}
