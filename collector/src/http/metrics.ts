import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, Next } from 'koa';
import { AppError, unauthorized } from '../errors.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import { exactRouter } from './routing.js';

/** Counts every answer by status class (devtrust_http_requests_total). */
export function countAnswers(metrics: CollectorMetrics) {
  return async function countAnswer(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } finally {
      metrics.httpAnswered(ctx.status);
    }
  };
}

/**
 * GET /metrics on the main port. It is not public: it answers only a request with
 * `Authorization: Bearer <DEVTRUST_METRICS_TOKEN>`; without a token configured it is a 404
 * (the figures would tell an outsider the fleet's size and the vendors in use). A separate
 * listener (DEVTRUST_METRICS_LISTEN) serves it on an address only Prometheus reaches.
 */
export function metricsRoute(metrics: CollectorMetrics, token: string | null) {
  const router = exactRouter();
  router.get('/metrics', async function metricsText(ctx) {
    if (token === null) {
      throw new AppError(404, 'METRICS_NOT_ENABLED', 'metrics are served with DEVTRUST_METRICS_TOKEN or on DEVTRUST_METRICS_LISTEN');
    }
    if (!bearerMatches(ctx.get('authorization'), token)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw unauthorized('send Authorization: Bearer <DEVTRUST_METRICS_TOKEN>');
    }
    const { contentType, body } = await metrics.render();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}

/** Compares digests, so the comparison takes the same time whatever the guess. */
function bearerMatches(header: string, token: string): boolean {
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim());
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1] as string), digest(token));
}

/**
 * The separate metrics listener: GET /metrics and nothing else, plain HTTP, meant for an
 * address only the monitoring network reaches. With a token configured it is required here too.
 */
export async function startMetricsListener(
  metrics: CollectorMetrics,
  listen: { host: string; port: number },
  token: string | null,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/metrics') return answer(res, 404, 'NOT_FOUND', 'only /metrics is served here');
      if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'METHOD_NOT_ALLOWED', 'use GET');
      if (token !== null && !bearerMatches(req.headers.authorization ?? '', token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        return answer(res, 401, 'UNAUTHENTICATED', 'send Authorization: Bearer <DEVTRUST_METRICS_TOKEN>');
      }
      const { contentType, body } = await metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch(() => answer(res, 500, 'INTERNAL', 'the metrics could not be collected'));
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // Not the errno itself: the command line would read EADDRINUSE as the main port's.
      const why = error.code === 'EADDRINUSE' ? 'the address is already in use' : error.message;
      reject(new Error(`the metrics listener cannot listen on ${listen.host}:${listen.port} (DEVTRUST_METRICS_LISTEN): ${why}`));
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(res: http.ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}
