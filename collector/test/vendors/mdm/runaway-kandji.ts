import http from 'node:http';
import { LoopbackVendor } from '../loopback.js';
import { kandjiDevice } from './kandji.js';

/**
 * A Kandji that answers like an attacker's server (or a broken one): one page far larger than
 * any real page (streamed, never held whole), pages that never end, or the same page forever.
 * `good` serves `devices` as Kandji does (`limit`/`offset`, a bare array), for the run whose
 * inventory the misbehaving runs must keep.
 */
export type RunawayMode = 'good' | 'huge' | 'huge-error' | 'endless' | 'repeat';

export class RunawayKandji extends LoopbackVendor {
  behaviour: RunawayMode = 'good';
  devices = 0;
  /** Device-list requests received since the last reset. */
  listRequests = 0;
  /** Bytes the last huge answer wrote before the client stopped reading. */
  hugeBytesWritten = 0;

  constructor(private readonly hugeBytes: number) {
    super();
  }

  protected override async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname !== '/api/v1/devices') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not found."}');
      return;
    }
    this.listRequests++;
    const limit = Number(url.searchParams.get('limit') ?? 300);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const page = (from: number, count: number) => Array.from({ length: count }, (_, i) => kandjiDevice(from + i));
    switch (this.behaviour) {
      case 'good':
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(page(offset, Math.max(0, Math.min(limit, this.devices - offset)))));
      case 'endless':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page(offset, limit)));
      case 'repeat':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page(0, limit)));
      case 'huge':
      case 'huge-error':
        return this.streamHuge(res, this.behaviour === 'huge' ? 200 : 500);
    }
  }

  /** A JSON array of devices, `hugeBytes` long, written chunk by chunk as the client reads (no Content-Length). */
  private async streamHuge(res: http.ServerResponse, status: number): Promise<void> {
    this.hugeBytesWritten = 0;
    res.writeHead(status, { 'content-type': 'application/json' });
    let closed = false;
    res.on('close', () => (closed = true));
    const chunk = Buffer.from(`${JSON.stringify(Array.from({ length: 100 }, (_, i) => kandjiDevice(i))).slice(1, -1)},`);
    res.write('[');
    while (!closed && this.hugeBytesWritten < this.hugeBytes) {
      this.hugeBytesWritten += chunk.byteLength;
      if (!res.write(chunk) && !closed) await drained(res);
    }
    if (!closed) res.end(`${JSON.stringify(kandjiDevice(0))}]`);
  }
}

/** Until the client read what is buffered, or went away. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
