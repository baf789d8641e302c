/**
 * The bare layer under the agent channel, for `limit` figures: a plain `ws` server on the
 * same settings (maxPayload, no compression) that speaks just enough of the protocol for
 * the same clients (hello, enrolled/authenticated, ack, verdict) with no signature checks,
 * no validation and no storage, or, with BENCH_STORE=sqlite|postgres, reports written by
 * batched inserts straight through knex and acked once committed.
 *
 * Env: BENCH_PORT (0: any), BENCH_STORE (none|sqlite|postgres), BENCH_DATA_DIR (sqlite),
 * BENCH_DATABASE_URL (postgres).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { WebSocketServer, type WebSocket } from 'ws';
import { createKnex } from '@devtrust/collector/store/dialect';
import { AGENT_CHANNEL_PATH, LIMITS, PROTOCOL_VERSION } from '@devtrust/shared/protocol';
import { newSessionKeyPair } from '@devtrust/shared/crypto';
import { failed, ready, serve } from './child-kit.mjs';

interface PendingReport {
  ws: WebSocket;
  seq: number;
  row: { endpoint_id: string; received_at: number; seq: number; body: string };
}

const BATCH = 500;

class ReportWriter {
  private queue: PendingReport[] = [];
  private flushing = false;
  constructor(private readonly knex: Knex) {}

  static async open(store: string): Promise<ReportWriter> {
    const { knex } = createKnex({
      databaseUrl: store === 'postgres' ? (process.env.BENCH_DATABASE_URL as string) : null,
      dataDir: process.env.BENCH_DATA_DIR as string,
    });
    await knex.schema.createTable('bench_reports', (t) => {
      t.increments('id').primary();
      t.string('endpoint_id', 64).notNullable();
      t.bigInteger('received_at').notNullable();
      t.bigInteger('seq').notNullable();
      t.text('body').notNullable();
      t.index(['endpoint_id', 'id']);
    });
    return new ReportWriter(knex);
  }

  add(pending: PendingReport): void {
    this.queue.push(pending);
    if (!this.flushing) void this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, BATCH);
        await this.knex('bench_reports').insert(batch.map((p) => p.row));
        for (const p of batch) send(p.ws, { type: 'ack', seq: p.seq });
      }
    } finally {
      this.flushing = false;
    }
  }

  close(): Promise<void> {
    return this.knex.destroy();
  }
}

function send(ws: WebSocket, message: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

try {
  const store = process.env.BENCH_STORE ?? 'none';
  const writer = store === 'none' ? null : await ReportWriter.open(store);
  // The transaction API's two calls, in memory: with the channel's attest below, a decision's
  // four round trips with nothing behind them (the floor of `decision.*`).
  const transactions = new Map<string, { state: string; verdict?: string }>();
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/api/v1/transactions') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const { username } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { username: string };
        const id = `tx_${randomUUID()}`;
        transactions.set(id, { state: 'pending' });
        json(201, { id, username, state: 'pending' });
      });
      return;
    }
    const tx = req.method === 'GET' && req.url?.startsWith('/api/v1/transactions/') ? transactions.get(req.url.slice(21)) : undefined;
    if (tx) {
      transactions.delete(req.url!.slice(21));
      return json(200, tx);
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== AGENT_CHANNEL_PATH) return socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });
  let authenticated = 0;
  // Answers a session-key offer as the collector does, so clients MAC their reports here too
  // (the same client work in both runs); it checks nothing, so it never derives the key.
  const sessionKey = newSessionKeyPair().publicKey;

  const accept = (ws: WebSocket): void => {
    let endpointId: string | null = null;
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (endpointId !== null) authenticated--;
    });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, any>;
      const welcome = (id: string): void => {
        if (endpointId === null) authenticated++;
        endpointId = id;
        send(ws, {
          type: 'authenticated',
          endpointId: id,
          lastSeq: 0,
          reportIntervalSec: LIMITS.reportIntervalSec,
          ...(message.sessionKey ? { sessionKey } : {}),
        });
      };
      switch (message.type) {
        case 'enroll': {
          const id = `ep_${randomUUID()}`;
          send(ws, { type: 'enrolled', endpointId: id });
          return welcome(id);
        }
        case 'auth':
          return welcome(String(message.endpointId));
        case 'report':
          if (!writer) return send(ws, { type: 'ack', seq: message.seq });
          return writer.add({
            ws,
            seq: message.seq,
            row: { endpoint_id: endpointId ?? '', received_at: Date.now(), seq: message.seq, body: JSON.stringify(message.report) },
          });
        case 'attest': {
          const tx = transactions.get(String(message.transactionId));
          if (tx) Object.assign(tx, { state: 'decided', verdict: 'trusted' });
          return send(ws, { type: 'verdict', transactionId: message.transactionId, verdict: 'trusted', access: 'allow', reasons: [] });
        }
      }
    });
    send(ws, { type: 'hello', v: PROTOCOL_VERSION, nonce: randomBytes(32).toString('base64url'), maxFrameBytes: LIMITS.maxFrameBytes });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  serve({ stats: () => ({ connections: wss.clients.size, authenticated }) }, async () => {
    for (const ws of wss.clients) ws.terminate();
    server.close();
    await writer?.close();
  });
  ready({ url: `http://127.0.0.1:${port}`, port });
} catch (error) {
  failed(error);
}
