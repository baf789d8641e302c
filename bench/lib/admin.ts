import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ENROLLMENT_KEY, OWNER_TOKEN } from '../../test/support/collector.js';

export { ENROLLMENT_KEY, OWNER_TOKEN };

/** The admin REST API with the owner key; throws on an unexpected status. */
export async function admin(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  options: { contentType?: string; expect?: number[] } = {},
): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${OWNER_TOKEN}` };
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await response.text();
  const parsed: any = text === '' ? null : safeJson(text);
  if (!(options.expect ?? [200, 201, 202, 204]).includes(response.status)) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 2000)}`);
  }
  return parsed;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A protected application's transaction API (HTTP Basic with its client credentials), over
 * node:http with kept-alive connections, as an application server calls it. (fetch costs
 * about 0.45 ms of CPU per request on Node 20, node:http about 0.07 ms: at 500 decisions a
 * second, two requests each, fetch alone would take half a core of the machine the
 * collector is measured on.)
 */
export class AppClient {
  private readonly auth: string;
  // `timeout` set, Node's agent also heeds the collector's `Keep-Alive: timeout=5` and closes an
  // idle socket a second before the collector does; without it an idle socket is kept until the
  // collector closes it, and a request sent on it just then fails with ECONNRESET (seen once in
  // a few runs of the decisions during a sync, when a burst left sockets idle for seconds).
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 60_000 });
  constructor(
    private readonly baseUrl: string,
    credentials: { clientId: string; clientSecret: string },
  ) {
    this.auth = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
  }

  /**
   * Registers an application of its own. Each gets a name of its own: names are unique by
   * what they read as, and a group registers several on one database (the decisions during a
   * sync beside the quiet ones, the second collector's).
   */
  static async create(baseUrl: string, policy: Record<string, unknown>): Promise<AppClient> {
    const created = await admin(baseUrl, 'POST', '/admin/v1/applications', {
      name: `Bench app ${randomUUID().slice(0, 8)}`,
      redirectUris: ['http://127.0.0.1:9/callback'],
      policy,
    });
    return new AppClient(baseUrl, created);
  }

  async open(username: string): Promise<string> {
    const { status, body } = await this.request('POST', '/api/v1/transactions', JSON.stringify({ username }));
    if (status !== 201) throw new Error(`opening a transaction answered ${status}: ${JSON.stringify(body)}`);
    return (body as { id: string }).id;
  }

  async read(id: string): Promise<any> {
    const { status, body } = await this.request('GET', `/api/v1/transactions/${id}`);
    if (status !== 200) throw new Error(`reading a transaction answered ${status}`);
    return body;
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private request(method: string, path: string, payload?: string): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: this.auth };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const req = http.request(`${this.baseUrl}${path}`, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text === '' ? null : safeJson(text) });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}
