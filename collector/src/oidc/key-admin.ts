import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { LIMITS } from '@devtrust/shared/protocol';
import { badRequest, conflict, notFound } from '../errors.js';
import { onlyRoles } from '../http/auth.js';
import { jsonBody } from '../http/body.js';
import { exactRouter } from '../http/routing.js';
import type { Services } from '../services/services.js';
import type { ApiKey } from '../domain/api-key.js';
import { DEFAULT_KEY_ACTIVATION_DELAY_MS, type KeyInfo } from '../services/oidc-keys.js';

export const rotateBody = z.strictObject({ immediate: z.boolean().optional(), withdrawPrevious: z.boolean().optional() });
const kidParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** What a withdrawal means for relying parties, said in every answer that withdraws. */
const WITHDRAWN_NOTE =
  'ID tokens signed by the withdrawn keys no longer verify against the JWKS; relying parties that cached it stop accepting them when they fetch it again.';

/** Signing keys decide whom every application trusts: owners and admins only. */
const ownerOrAdmin = onlyRoles(['owner', 'admin'], 'manage the OIDC signing keys');

/** Who did it, for the log line every key change writes. */
const actor = (ctx: Context): { apiKeyId: string; apiKeyName: string } => {
  const key = ctx.state.apiKey as ApiKey;
  return { apiKeyId: key.id, apiKeyName: key.name };
};

const summary = (list: KeyInfo[]) => {
  const next = list.find((k) => k.state === 'next') ?? null;
  return {
    active: list.find((k) => k.state === 'active')?.kid ?? null,
    next: next ? { kid: next.kid, activatesAt: next.activatesAt } : null,
    keys: list,
  };
};

/**
 * `GET /admin/v1/oidc/keys` lists the signing keys; `POST /admin/v1/oidc/rotate-keys` adds
 * one, published at once and signing after a delay so relying parties learn it first
 * (`{"immediate": true}` switches now). Replaced keys stay in the JWKS, so tokens already
 * issued still verify — unless `"withdrawPrevious": true` (a compromised key: with
 * `immediate`) takes them out at once; `DELETE /admin/v1/oidc/keys/:kid` withdraws one key.
 */
export function keyAdminRouter(services: Services, rotated: () => void): Router {
  const keys = services.oidcKeys;
  // The API key is checked before routing for everything under /admin (adminGate in
  // http/auth.ts); the role is checked on each route.
  const router = exactRouter({ prefix: '/admin/v1/oidc' });

  router.get('/keys', ownerOrAdmin, async function listKeys(ctx) {
    ctx.body = { keys: await keys.list() };
  });

  router.post('/rotate-keys', ownerOrAdmin, async function rotateKeys(ctx) {
    const body = ctx.request.length ? await jsonBody(ctx, rotateBody, LIMITS.maxHttpBodyBytes) : {};
    if (body.withdrawPrevious) {
      if (body.immediate !== true) {
        throw badRequest('INVALID_REQUEST', 'withdrawPrevious needs "immediate": true (something must sign at once)', 'withdrawPrevious');
      }
      const { keys: list, withdrawn } = await keys.rotateWithdrawingOthers();
      rotated();
      const answer = summary(list);
      services.log.info({ ...actor(ctx), active: answer.active, withdrawn }, 'oidc signing key rotated; previous keys withdrawn');
      ctx.body = { ...answer, withdrawn, note: WITHDRAWN_NOTE };
      return;
    }
    const list = await keys.rotate(body.immediate ? 0 : DEFAULT_KEY_ACTIVATION_DELAY_MS);
    rotated();
    const answer = summary(list);
    services.log.info(
      { ...actor(ctx), active: answer.active, next: answer.next?.kid, immediate: body.immediate === true },
      'oidc signing key rotated',
    );
    ctx.body = answer;
  });

  router.delete('/keys/:kid', ownerOrAdmin, async function withdrawKey(ctx) {
    const kid = kidParam.safeParse(ctx.params.kid);
    if (!kid.success) throw notFound('signing key');
    const result = await keys.withdraw(kid.data);
    if (result === 'unknown') throw notFound('signing key');
    if (result === 'signing') {
      throw conflict(
        'KEY_IN_USE',
        `${kid.data} is the key signing now; rotate with {"immediate": true, "withdrawPrevious": true} to replace and withdraw it`,
      );
    }
    rotated();
    services.log.info({ ...actor(ctx), withdrawn: kid.data }, 'oidc signing key withdrawn');
    ctx.body = { ...summary(await keys.list()), withdrawn: [kid.data], note: WITHDRAWN_NOTE };
  });
  return router;
}
