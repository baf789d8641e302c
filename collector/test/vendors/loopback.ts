import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Loopback stand-ins for vendors that misbehave in ways no documented API shows: one that
 * echoes every credential it receives back in its error bodies (in every encoding), one
 * that records what reaches it (a host an attacker points an integration at), one that
 * accepts connections and never answers, one that sends headers and stalls the body.
 */

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** How the echoing vendor phrases its error, cycled per request so every decoder is exercised. */
export const ECHO_STYLES = ['json-message', 'oauth-error', 'plain-text', 'ascii-json', 'nested-json', 'server-error'] as const;
export type EchoStyle = (typeof ECHO_STYLES)[number];

/** Everything credential-like in a request, raw and decoded (Basic, form fields, query). */
function credentialsIn(request: Received): string {
  const parts = [`authorization=${request.headers.authorization ?? ''}`, `tenant=${request.headers['aw-tenant-code'] ?? ''}`];
  const auth = request.headers.authorization ?? '';
  if (auth.startsWith('Basic ')) parts.push(`basic=${Buffer.from(auth.slice(6), 'base64').toString('utf8')}`);
  parts.push(`body=${request.body}`);
  const form = new URLSearchParams(request.body);
  for (const [key, value] of form) parts.push(`${key}=${value}`);
  parts.push(`path=${request.path}`);
  return parts.join(' ');
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class LoopbackVendor {
  readonly received: Received[] = [];
  url = '';
  /** `echo`: errors quoting the credentials; `record`: 401 with nothing quoted; `silent`: never answers; `stall`: headers only. */
  mode: 'echo' | 'record' | 'silent' | 'stall' = 'echo';
  private styleIndex = 0;
  private readonly server: http.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Protected: mdm/runaway-kandji.ts answers its own way on the same server. */
  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: Received = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.received.push(request);
    if (this.mode === 'silent') return; // the socket stays open until close()
    if (this.mode === 'stall') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      res.write('{"data": [');
      return; // the rest never comes
    }
    if (this.mode === 'record') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'unauthorized' }));
      return;
    }
    const style = ECHO_STYLES[this.styleIndex++ % ECHO_STYLES.length] as EchoStyle;
    const echoed = `invalid credentials: ${credentialsIn(request)}`;
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    switch (style) {
      case 'json-message':
        return reply(401, 'application/json', JSON.stringify({ message: echoed }));
      case 'oauth-error':
        return reply(400, 'application/json', JSON.stringify({ error: 'invalid_client', error_description: echoed }));
      case 'plain-text':
        return reply(403, 'text/plain; charset=utf-8', echoed);
      case 'ascii-json':
        return reply(401, 'application/json', asciiJson({ errors: [{ message: echoed }] }));
      case 'nested-json':
        return reply(401, 'application/json', JSON.stringify({ detail: JSON.stringify({ request: echoed }) }));
      case 'server-error':
        return reply(500, 'application/json', JSON.stringify({ error: { message: echoed } }));
    }
  }
}

export async function startLoopbackVendor(mode: LoopbackVendor['mode'] = 'echo'): Promise<LoopbackVendor> {
  const vendor = await new LoopbackVendor().start();
  vendor.mode = mode;
  return vendor;
}

/** A listener that accepts TCP connections and never sends a byte. */
export async function startSilentListener(): Promise<{ url: string; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
