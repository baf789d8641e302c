import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { LIMITS, LOOPBACK_PORTS } from '@devtrust/shared/protocol/limits';
import { AGENT_VERSION } from '../version.js';
import { refusedOriginMessage } from './refused-origin.js';

export interface LoopbackDoorOptions {
  /** The only web origin allowed to call the door: the collector's. */
  collectorOrigin: string;
  /** Origins of earlier URLs of the collector (previousCollectorUrls): refused too, with a hint about the move. */
  previousCollectorOrigins?: readonly string[];
  /** Pinned port, or null to take the first free of 53100–53107. */
  port: number | null;
  /** Certificate for localhost/127.0.0.1; null serves plain HTTP (collector on loopback). */
  tls: { cert: string; key: string } | null;
  attest(transactionId: string): Promise<void>;
  log: Logger;
  /** Attestations allowed per minute (all callers together). */
  ratePerMinute?: number;
}

const TX_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Distinct refused origins logged per run: enough for the collector's old and new URLs and a
 * few more; a hostile page that makes up origins cannot fill the log.
 */
export const REFUSED_ORIGINS_LOGGED = 20;

/**
 * The agent's loopback door: the prompt page asks it to attest a transaction. It never
 * returns the verdict nor anything that identifies the device; only the collector's
 * origin may call it (CORS and Private Network Access answered for that origin alone),
 * DNS-rebinding is stopped by checking Host, and attestations are rate-limited.
 */
export class LoopbackDoor {
  private server: http.Server | https.Server | null = null;
  port: number | null = null;
  private readonly window: number[] = [];
  /** Origins whose refusal was logged this run (at most REFUSED_ORIGINS_LOGGED). */
  private readonly refusedOrigins = new Set<string>();
  private refusedOriginsCapped = false;

  constructor(private readonly options: LoopbackDoorOptions) {}

  async start(): Promise<number> {
    const ports = this.options.port !== null ? [this.options.port] : [...LOOPBACK_PORTS];
    let lastError: Error | null = null;
    for (const port of ports) {
      const server = this.options.tls
        ? https.createServer({ cert: this.options.tls.cert, key: this.options.tls.key }, (req, res) => void this.handle(req, res))
        : http.createServer((req, res) => void this.handle(req, res));
      server.requestTimeout = 10_000;
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => resolve());
        });
        this.server = server;
        this.port = (server.address() as AddressInfo).port;
        return this.port;
      } catch (error) {
        lastError = error as Error;
      }
    }
    throw new Error(`no loopback port free among ${ports.join(', ')}: ${lastError?.message ?? ''}`);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private hostAllowed(host: string | undefined): boolean {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    const reply = (status: number, body: unknown): void => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      };
      if (origin === this.options.collectorOrigin) {
        headers['access-control-allow-origin'] = origin;
        headers.vary = 'Origin';
      }
      res.writeHead(status, headers).end(JSON.stringify(body));
    };
    if (!this.hostAllowed(req.headers.host)) return reply(421, { error: 'HOST_REFUSED' });
    if (origin !== undefined && origin !== this.options.collectorOrigin) {
      this.logRefusedOrigin(origin);
      return reply(403, { error: 'ORIGIN_REFUSED' });
    }
    const path = (req.url ?? '').split('?')[0];

    if (req.method === 'OPTIONS') {
      if (origin === undefined) return reply(403, { error: 'ORIGIN_REFUSED' });
      res.writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
        // Chrome's Private Network Access preflight: a public page asking for loopback.
        ...(req.headers['access-control-request-private-network'] === 'true' ? { 'access-control-allow-private-network': 'true' } : {}),
        vary: 'Origin',
      });
      res.end();
      return;
    }
    if (req.method === 'GET' && path === '/v1/ping') return reply(200, { agent: 'devtrust', version: AGENT_VERSION });
    if (req.method !== 'POST' || path !== '/v1/attest') return reply(404, { error: 'NOT_FOUND' });
    // Attestation must come from the collector's page; a missing Origin is a non-browser caller.
    if (origin !== this.options.collectorOrigin) return reply(403, { error: 'ORIGIN_REFUSED' });
    if (!this.takeToken()) return reply(429, { error: 'RATE_LIMITED' });
    let body: { transactionId?: unknown };
    try {
      body = JSON.parse(await readLimited(req, 4096)) as { transactionId?: unknown };
    } catch (error) {
      return reply((error as { status?: number }).status ?? 400, {
        error: 'BAD_REQUEST',
        message: 'send {"transactionId": "..."} as JSON',
      });
    }
    if (
      typeof body !== 'object' ||
      body === null ||
      typeof body.transactionId !== 'string' ||
      !TX_ID.test(body.transactionId) ||
      Object.keys(body).length !== 1
    ) {
      return reply(400, { error: 'BAD_REQUEST', message: 'send {"transactionId": "..."} as JSON' });
    }
    try {
      await this.options.attest(body.transactionId);
      reply(200, { attested: true });
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'attestation failed');
      reply(502, { attested: false, error: (error as { code?: string }).code ?? 'ATTEST_FAILED' });
    }
  }

  /**
   * The sign-in page of a collector URL this agent is not configured for (a move not pushed to
   * it yet) is refused without a word to the user: say it once per origin, so IT can see why
   * (refused-origin.ts words it).
   */
  private logRefusedOrigin(origin: string): void {
    if (this.refusedOrigins.has(origin)) return;
    if (this.refusedOrigins.size >= REFUSED_ORIGINS_LOGGED) {
      if (!this.refusedOriginsCapped)
        this.options.log.info(
          `pages of more than ${REFUSED_ORIGINS_LOGGED} other origins asked for an attestation; no more are logged until the agent restarts`,
        );
      this.refusedOriginsCapped = true;
      return;
    }
    this.refusedOrigins.add(origin);
    // Origin is whatever the caller sent: shortened, and anything but printable ASCII shown as "?".
    const shown = origin.slice(0, 200).replace(/[^\x21-\x7e]/g, '?');
    this.options.log.info(
      { origin: shown },
      refusedOriginMessage(shown, origin, this.options.collectorOrigin, this.options.previousCollectorOrigins ?? []),
    );
  }

  private takeToken(now = Date.now()): boolean {
    while (this.window.length > 0 && (this.window[0] as number) < now - 60_000) this.window.shift();
    if (this.window.length >= (this.options.ratePerMinute ?? 30)) return false;
    this.window.push(now);
    return true;
  }
}

function readLimited(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > Math.min(limit, LIMITS.maxHttpBodyBytes)) {
        // Answer 413 and drain the rest; destroying the socket would lose the answer.
        reject(Object.assign(new Error('too large'), { status: 413 }));
        req.removeAllListeners('data');
        req.resume();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
