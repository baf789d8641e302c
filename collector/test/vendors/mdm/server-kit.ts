import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the five MDM test servers share: a real HTTP server on 127.0.0.1, an inventory the
 * test edits (or a synthetic one made page by page), issued bearer tokens, and scripted
 * faults on the inventory route. Each vendor file adds only its routes and record shape.
 *
 * For a benchmark: `startJamfProServer({ inventory: syntheticInventory(1_000_000, jamfComputer) })`
 * serves a million computers while holding none of them.
 */

/** The devices a server lists, read one page at a time. */
export interface Inventory<T> {
  size(): number;
  slice(start: number, end: number): T[];
}

/** A list the test edits between syncs (push, splice, replace `items`). */
export class ListInventory<T> implements Inventory<T> {
  constructor(public items: T[] = []) {}
  size(): number {
    return this.items.length;
  }
  slice(start: number, end: number): T[] {
    return this.items.slice(start, end);
  }
}

/** `count` devices made from their index on demand: constant memory whatever the count. */
export function syntheticInventory<T>(count: number, make: (index: number) => T): Inventory<T> {
  return {
    size: () => count,
    slice: (start, end) => {
      const out: T[] = [];
      for (let i = Math.max(0, start); i < Math.min(end, count); i++) out.push(make(i));
      return out;
    },
  };
}

/** Faults applied to inventory requests (the token endpoint is spared, except when dead). */
export interface Faults {
  /** The next N inventory requests answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimited: number;
  retryAfterSeconds: number;
  /** The next N inventory requests answer 500. */
  serverErrors: number;
  /** The next N inventory requests answer 200 with an HTML page. */
  garbage: number;
  /** Inventory requests are never answered. */
  hang: boolean;
  /** Once this many inventory pages were served, every connection is destroyed on arrival. */
  dieAfterPages: number | null;
  /** Once this many inventory pages were served, issued tokens stop working (they "expire"). */
  expireTokensAfterPages: number | null;
}

export interface Stats {
  requests: number;
  inventoryRequests: number;
  pagesServed: number;
  rateLimitedServed: number;
  /** Requests that came back before the advertised Retry-After had passed. */
  earlyRetries: number;
  tokensIssued: number;
  authRejected: number;
}

export interface ServerRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

export interface Route {
  method: string;
  /** Exact pathname, or a pattern for paths with parameters. */
  path: string | RegExp;
  /** Inventory routes get the scripted faults and count as pages. */
  inventory?: boolean;
  handle(request: ServerRequest): Reply | Promise<Reply>;
}

export function noFaults(): Faults {
  return {
    rateLimited: 0,
    retryAfterSeconds: 1,
    serverErrors: 0,
    garbage: 0,
    hang: false,
    dieAfterPages: null,
    expireTokensAfterPages: null,
  };
}

/** Bearer tokens a server handed out; `revokeAll` makes the next call see an expired token. */
export class TokenIssuer {
  private readonly live = new Set<string>();
  constructor(private readonly stats: Stats) {}

  issue(): string {
    const token = `tok_${randomBytes(12).toString('hex')}`;
    this.live.add(token);
    this.stats.tokensIssued++;
    return token;
  }

  accepts(authorization: string | undefined): boolean {
    return authorization?.startsWith('Bearer ') === true && this.live.has(authorization.slice(7));
  }

  revokeAll(): void {
    this.live.clear();
  }
}

export function basicCredentials(authorization: string | undefined): { user: string; password: string } | null {
  if (!authorization?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A non-negative integer query parameter, or the fallback when absent or malformed. */
export function intParam(url: URL, name: string, fallback: number): number {
  const value = Number(url.searchParams.get(name));
  return url.searchParams.has(name) && Number.isInteger(value) && value >= 0 ? value : fallback;
}

export class VendorTestServer {
  faults: Faults = noFaults();
  readonly stats: Stats = {
    requests: 0,
    inventoryRequests: 0,
    pagesServed: 0,
    rateLimitedServed: 0,
    earlyRetries: 0,
    tokensIssued: 0,
    authRejected: 0,
  };
  readonly tokens = new TokenIssuer(this.stats);
  url = '';
  /** Called after each inventory page is served (tests edit the inventory mid-sync). */
  afterPage: ((pagesServed: number) => void) | null = null;
  private readonly server: http.Server;
  private retryNotBefore = 0;

  constructor(private readonly routes: Route[]) {
    this.server = http.createServer((req, res) => void this.dispatch(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Clears faults and counters between tests. */
  reset(): void {
    this.faults = noFaults();
    this.afterPage = null;
    this.retryNotBefore = 0;
    for (const key of Object.keys(this.stats) as (keyof Stats)[]) this.stats[key] = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.stats.requests++;
    if (this.faults.dieAfterPages !== null && this.stats.pagesServed >= this.faults.dieAfterPages) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', this.url);
    const route = this.routes.find(
      (r) => r.method === req.method && (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: ServerRequest = { method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    if (!route) return send(res, { status: 404, json: { message: `no route for ${req.method} ${url.pathname}` } });
    if (route.inventory) {
      const fault = this.inventoryFault();
      if (fault === 'hang') return; // never answered; close() ends the socket
      if (fault) return send(res, fault);
    }
    const reply = await route.handle(request);
    if (reply.status === 401) this.stats.authRejected++;
    if (route.inventory && reply.status === 200) {
      this.stats.pagesServed++;
      if (this.stats.pagesServed === this.faults.expireTokensAfterPages) this.tokens.revokeAll();
      this.afterPage?.(this.stats.pagesServed);
    }
    send(res, reply);
  }

  private inventoryFault(): Reply | 'hang' | null {
    this.stats.inventoryRequests++;
    const faults = this.faults;
    const now = Date.now();
    if (now < this.retryNotBefore) {
      this.stats.earlyRetries++;
      return {
        status: 429,
        headers: { 'retry-after': String(Math.ceil((this.retryNotBefore - now) / 1000)) },
        json: { message: 'too many requests' },
      };
    }
    if (faults.hang) return 'hang';
    if (faults.rateLimited > 0) {
      faults.rateLimited--;
      this.stats.rateLimitedServed++;
      // A little slack for timer granularity; a client that ignores Retry-After is far earlier.
      this.retryNotBefore = now + faults.retryAfterSeconds * 1000 - 50;
      return {
        status: 429,
        headers: { 'retry-after': String(faults.retryAfterSeconds) },
        json: { message: 'rate limit exceeded, slow down' },
      };
    }
    if (faults.serverErrors > 0) {
      faults.serverErrors--;
      return { status: 500, json: { message: 'internal server error (scripted)' } };
    }
    if (faults.garbage > 0) {
      faults.garbage--;
      return { status: 200, headers: { 'content-type': 'text/html' }, text: '<html><body>Maintenance in progress</body></html>' };
    }
    return null;
  }
}

function send(res: http.ServerResponse, reply: Reply): void {
  const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
  const type = reply.json !== undefined ? 'application/json; charset=utf-8' : 'text/plain';
  res.writeHead(reply.status, { 'content-type': type, ...reply.headers });
  res.end(body);
}

/** Deterministic identifiers for device number `i`, shared by every vendor's sample records. */
export function sampleIds(prefix: string, i: number): { serial: string; uuid: string; mac: string; altMac: string; email: string } {
  const hex = i.toString(16).padStart(8, '0').toUpperCase();
  const pairs = hex.match(/../g) as string[];
  return {
    serial: `${prefix}${i.toString(36).toUpperCase().padStart(7, '0')}`,
    uuid: `5A1E${hex.slice(0, 4)}-${hex.slice(4, 8)}-4000-8000-${i.toString(16).padStart(12, '0').toUpperCase()}`,
    mac: `02:00:${pairs.join(':')}`,
    altMac: `06:00:${pairs.join(':')}`,
    email: `user${i}@example.com`,
  };
}
