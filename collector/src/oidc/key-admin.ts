import type { Router } from '@koa/router';
import { z } from 'zod';
import { LIMITS } from '@devtrust/shared/protocol';
import { onlyRoles } from '../http/auth.js';
import { jsonBody } from '../http/body.js';
import { exactRouter } from '../http/routing.js';
import type { Services } from '../services/services.js';
import { DEFAULT_KEY_ACTIVATION_DELAY_MS, type OidcKeyStore } from './keys.js';

const rotateBody = z.strictObject({ immediate: z.boolean().optional() });

/** Signing keys decide whom every application trusts: owners and admins only. */
const ownerOrAdmin = onlyRoles(['owner', 'admin'], 'manage the OIDC signing keys');

/**
 * `GET /admin/v1/oidc/keys` lists the signing keys; `POST /admin/v1/oidc/rotate-keys` adds
 * one, published at once and signing after a delay so relying parties learn it first
 * (`{"immediate": true}` switches now, for a key that may be compromised). Replaced keys
 * stay in the JWKS, so tokens already issued still verify.
 */
export function keyAdminRouter(services: Services, keys: OidcKeyStore, rotated: () => void): Router {
  // The API key is checked before routing for everything under /admin (adminGate in
  // http/auth.ts); the role is checked on each route.
  const router = exactRouter({ prefix: '/admin/v1/oidc' });

  router.get('/keys', ownerOrAdmin, async function listKeys(ctx) {
    ctx.body = { keys: await keys.list() };
  });

  router.post('/rotate-keys', ownerOrAdmin, async function rotateKeys(ctx) {
    const body = ctx.request.length ? await jsonBody(ctx, rotateBody, LIMITS.maxHttpBodyBytes) : {};
    const list = await keys.rotate(body.immediate ? 0 : DEFAULT_KEY_ACTIVATION_DELAY_MS);
    rotated();
    const active = list.find((k) => k.state === 'active')?.kid ?? null;
    const next = list.find((k) => k.state === 'next') ?? null;
    services.log.info({ active, next: next?.kid }, 'oidc signing key rotated');
    ctx.body = { active, next: next ? { kid: next.kid, activatesAt: next.activatesAt } : null, keys: list };
  });
  return router;
}
