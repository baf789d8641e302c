import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { badRequest, conflict, notFound } from '../errors.js';
import { onlyRoles } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { exactRouter } from '../http/routing.js';
import type { Services } from '../services/services.js';
import type { ApiKey } from '../domain/api-key.js';
import { adminActor } from '../http/actor.js';
import { DEFAULT_KEY_ACTIVATION_DELAY_MS, type KeyInfo } from '../services/oidc-keys.js';

const listKeys = operation({
  summary: 'The OIDC signing keys',
  responses: { 200: '{keys: [{kid, alg, state, createdAt, activatesAt}]}: state is active, next or retired' },
});
export const rotateKeys = operation({
  summary: 'Add a signing key; it signs after a delay, or at once with `immediate`',
  description:
    'Replaced keys stay published so issued tokens still verify; `immediate` drops a key staged before it that does not sign yet. For a compromised key, `{"immediate": true, "withdrawPrevious": true}` also takes every older key out of the JWKS at once.',
  body: z.strictObject({ immediate: z.boolean().optional(), withdrawPrevious: z.boolean().optional() }),
  bodyOptional: true,
  responses: {
    200: '{created, active, next, keys}: created is the kid this request added (parallel rotations each name their own); with withdrawPrevious also {withdrawn, note}',
  },
});
const withdrawKey = operation({
  summary: 'Withdraw a signing key from the JWKS at once',
  params: z.object({ kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
  responses: { 200: '{active, next, keys, withdrawn, note} (409 KEY_IN_USE for the key signing now)' },
});

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
 * Key changes are recorded in the admin log after they are made: the key store writes
 * through its own repository (a key is generated outside any transaction, as it is slow).
 *
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

  router.get('/keys', ownerOrAdmin, listKeys, async function listSigningKeys(ctx) {
    ctx.body = { keys: await keys.list() };
  });

  router.post('/rotate-keys', ownerOrAdmin, rotateKeys, async function rotateSigningKeys(ctx) {
    const { body } = rotateKeys.input(ctx);
    if (body.withdrawPrevious) {
      if (body.immediate !== true) {
        throw badRequest('INVALID_REQUEST', 'withdrawPrevious needs "immediate": true (something must sign at once)', 'withdrawPrevious');
      }
      const { created, keys: list, withdrawn } = await keys.rotateWithdrawingOthers();
      rotated();
      const answer = summary(list);
      services.log.info(
        { ...actor(ctx), created: created.kid, active: answer.active, withdrawn },
        'oidc signing key rotated; previous keys withdrawn',
      );
      await services.adminLog.record(adminActor(ctx), {
        resourceType: 'oidc-key',
        resourceId: created.kid,
        action: 'rotate',
        after: { created: created.kid, active: answer.active, immediate: true, withdrawn },
      });
      ctx.body = { created: created.kid, ...answer, withdrawn, note: WITHDRAWN_NOTE };
      return;
    }
    const { created, keys: list } = await keys.rotate(body.immediate ? 0 : DEFAULT_KEY_ACTIVATION_DELAY_MS);
    rotated();
    // `active` and `next` are the key set as it stands; with rotations in parallel they may be
    // another request's keys, so the answer and the log name the key this one created.
    const answer = summary(list);
    services.log.info(
      { ...actor(ctx), created: created.kid, active: answer.active, next: answer.next?.kid, immediate: body.immediate === true },
      'oidc signing key rotated',
    );
    await services.adminLog.record(adminActor(ctx), {
      resourceType: 'oidc-key',
      resourceId: created.kid,
      action: 'rotate',
      after: { created: created.kid, active: answer.active, next: answer.next, immediate: body.immediate === true },
    });
    ctx.body = { created: created.kid, ...answer };
  });

  router.delete('/keys/:kid', ownerOrAdmin, withdrawKey, async function withdrawSigningKey(ctx) {
    const { kid } = withdrawKey.input(ctx).params;
    const result = await keys.withdraw(kid);
    if (result === 'unknown') throw notFound('signing key');
    if (result === 'signing') {
      throw conflict(
        'KEY_IN_USE',
        `${kid} is the key signing now; rotate with {"immediate": true, "withdrawPrevious": true} (devtrustctl oidc rotate-keys --immediate --withdraw-previous) to replace and withdraw it`,
      );
    }
    rotated();
    services.log.info({ ...actor(ctx), withdrawn: kid }, 'oidc signing key withdrawn');
    await services.adminLog.record(adminActor(ctx), {
      resourceType: 'oidc-key',
      resourceId: kid,
      action: 'withdraw',
      after: { withdrawn: [kid] },
    });
    ctx.body = { ...summary(await keys.list()), withdrawn: [kid], note: WITHDRAWN_NOTE };
  });
  return router;
}
