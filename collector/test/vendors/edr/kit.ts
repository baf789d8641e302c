import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the three EDR test servers share: a real HTTP server on 127.0.0.1:0, scripted
 * faults, a request log, and "down" (the port refuses connections) and "up" again.
 * Each vendor file adds its documented routes, auth and paging.
 */

export interface VendorReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface VendorRequestInfo {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A scripted fault for the next `times` matching requests. */
export interface Fault {
  times: number;
  /** Only requests whose path matches (default: every API request but the token endpoint). */
  path?: RegExp;
  status?: number;
  headers?: Record<string, string>;
  /** Raw body; default a JSON error. `garbage` answers 200 with an HTML page. */
  body?: string;
  garbage?: boolean;
  /** Accept the request and never answer. */
  hang?: boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  at: number;
  status: number;
}

export abstract class FakeVendorServer {
  readonly requests: LoggedRequest[] = [];
  private faults: Fault[] = [];
  private server: http.Server;
  private port = 0;
  /** Paths a fault without its own `path` spares (the token endpoint). */
  protected spared: RegExp = /^\/oauth2\/token$/;

  constructor() {
    this.server = this.create();
  }

  /** The vendor's documented routes. */
  protected abstract route(request: VendorRequestInfo): VendorReply;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests to paths matching `pattern` (token requests included). */
  count(pattern: RegExp): number {
    return this.requests.filter((r) => pattern.test(r.path)).length;
  }

  fail(fault: Fault): this {
    this.faults.push({ ...fault });
    return this;
  }

  clearFaults(): void {
    this.faults = [];
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Closes the port: every request is refused until `up()`. */
  async down(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.create();
  }

  async up(): Promise<void> {
    await this.start();
  }

  stop(): Promise<void> {
    return this.down();
  }

  private create(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', this.url);
        const reply = this.reply({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (reply === null) return; // a hung vendor: the socket stays open until the client gives up
        this.requests.push({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          at: Date.now(),
          status: reply.status,
        });
        const isText = typeof reply.body === 'string';
        res.writeHead(reply.status, { 'content-type': isText ? 'text/html' : 'application/json', ...reply.headers });
        res.end(isText ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
    });
  }

  private reply(request: VendorRequestInfo): VendorReply | null {
    const path = request.url.pathname;
    const fault = this.faults.find((f) => f.times > 0 && (f.path ? f.path.test(path) : !this.spared.test(path)));
    if (fault) {
      fault.times -= 1;
      if (fault.hang) return null;
      if (fault.garbage) return { status: 200, body: '<html><body>Service temporarily unavailable</body></html>' };
      const status = fault.status ?? 500;
      return { status, headers: fault.headers ?? {}, body: fault.body ?? { errors: [{ code: status, message: `injected ${status}` }] } };
    }
    try {
      return this.route(request);
    } catch (error) {
      return { status: 500, body: { errors: [{ code: 500, message: (error as Error).message }] } };
    }
  }
}

export function basicCredentials(headers: http.IncomingHttpHeaders): [string, string] | null {
  const value = headers.authorization ?? '';
  if (!value.startsWith('Basic ')) return null;
  const decoded = Buffer.from(value.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? null : [decoded.slice(0, i), decoded.slice(i + 1)];
}

export function intParam(url: URL, name: string, fallback: number): number {
  const value = Number(url.searchParams.get(name));
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}
