import type { Router } from '@koa/router';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';

const describe = operation({
  summary: 'This document: the OpenAPI 3.1 description of the admin and transaction APIs',
  responses: { 200: 'the OpenAPI document (docs/openapi.json holds the same for this release)' },
});

/**
 * `GET /admin/v1/openapi.json`. Any valid API key may read it: it describes the product, as
 * docs/openapi.json does in the repository, and holds nothing of this collector's data.
 * `document` builds it from the mounted routers on the first request (they are complete by then).
 */
export function openApiRoutes(document: () => Record<string, unknown>): Router {
  const router = exactRouter();
  let built: string | null = null;
  router.get('/openapi.json', can('openapi'), describe, async function openApiDocument(ctx) {
    built ??= JSON.stringify(document(), null, 2);
    ctx.type = 'application/json';
    ctx.body = built;
  });
  return router;
}
