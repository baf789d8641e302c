import http from 'node:http';
import { admin, OWNER_TOKEN } from '../lib/admin.js';
import { hardwareUuidOf, serialOf } from '../lib/devices.js';
import { figure, notRun, sized, type BenchContext, type Figure, type FigureGroup } from '../lib/figure.js';
import { RssSampler } from '../lib/proc.js';
import { freshDatabase, startCollectorChild, type DbKind, type ServerChild } from '../lib/targets.js';
import { now } from '../lib/timing.js';

export const FULL_ROWS = 1_000_000;
/** A hundredth at small scale: ten 1,000-row pages, beyond what one page holds; its peak is a smoke value. */
export const SMALL_ROWS = 10_000;

/** The upload body, written as the rows are made: the bench never holds the file either. */
async function upload(url: string, integrationId: string, rows: number): Promise<{ status: number; body: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/admin/v1/integrations/${integrationId}/inventory`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'text/csv' },
    });
    let bytes = 0;
    request.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, bytes }));
    });
    request.on('error', reject);
    let i = 0;
    const write = (): void => {
      for (;;) {
        if (i === 0) bytes += Buffer.byteLength('serial_number,hardware_uuid,device_name,platform,owner\n');
        if (i === 0 && !request.write('serial_number,hardware_uuid,device_name,platform,owner\n')) {
          i++;
          request.once('drain', write);
          return;
        }
        if (i >= rows) {
          request.end();
          return;
        }
        const lines: string[] = [];
        for (const end = Math.min(rows, i + 1000); i < end; i++) {
          lines.push(`${serialOf(i)},${hardwareUuidOf(i)},bench-mac-${i},macos,user${i}@example.com\n`);
        }
        const chunk = lines.join('');
        bytes += Buffer.byteLength(chunk);
        if (!request.write(chunk)) {
          request.once('drain', write);
          return;
        }
      }
    };
    write();
  });
}

/**
 * sync.csv_upload_peak_rss_mb: the collector's peak RSS while it takes a CSV upload of a
 * million rows through `PUT …/inventory` (parsed as it streams in, stored a page at a
 * time). Limit: the same collector's RSS just before the upload, so the ratio is what the
 * upload adds on top of an idle collector.
 */
async function onDatabase(ctx: BenchContext, kind: DbKind, collector: ServerChild, rows: number): Promise<Figure> {
  const url = collector.ready.url;
  const integration = await admin(url, 'POST', '/admin/v1/integrations', {
    kind: 'csv',
    name: 'Bench upload',
    platforms: ['macos'],
    config: {},
  });
  const idle = collector.memory();
  const sampler = new RssSampler(collector.pid, 50);
  const start = now();
  const answer = await upload(url, integration.id as string, rows);
  const seconds = (now() - start) / 1000;
  const peakKb = sampler.stop();
  if (answer.status !== 200) throw new Error(`the upload answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const devices = (JSON.parse(answer.body) as { devices: number }).devices;
  ctx.log(
    `${kind}: ${devices} rows (${(answer.bytes / 1e6).toFixed(0)} MB) uploaded in ${seconds.toFixed(1)} s, peak RSS ${(peakKb / 1024).toFixed(0)} MB`,
  );
  return figure('sync.csv_upload_peak_rss_mb', kind, peakKb / 1024, 'MB', idle ? idle.rssKb / 1024 : null, {
    detail: { rows: devices, uploadMb: Math.round(answer.bytes / 1e6), seconds: Math.round(seconds * 10) / 10 },
  });
}

export const csvUploadGroup: FigureGroup = {
  id: 'sync.csv_upload',
  names: ['sync.csv_upload_peak_rss_mb'],
  timeoutMs: 20 * 60_000,
  async run(ctx) {
    const rows = sized(ctx, FULL_ROWS, SMALL_ROWS);
    const out: Figure[] = [];
    // Every database's collector starts at once (set-up), all up before the first upload; each
    // then waits idle for its own.
    const collectors = await Promise.allSettled(
      ctx.databases.map((kind) => freshDatabase(ctx, kind, `csv-upload-${kind}`).then((db) => startCollectorChild(ctx, db))),
    );
    for (const [i, kind] of ctx.databases.entries()) {
      const started = collectors[i] as PromiseSettledResult<ServerChild>;
      out.push(
        await (started.status === 'fulfilled' ? onDatabase(ctx, kind, started.value, rows) : Promise.reject(started.reason as Error)).catch(
          (e: Error) => notRun('sync.csv_upload_peak_rss_mb', kind, 'MB', `failed: ${e.message}`),
        ),
      );
    }
    if (ctx.postgresUnavailable) out.push(notRun('sync.csv_upload_peak_rss_mb', 'postgres', 'MB', ctx.postgresUnavailable));
    return out;
  },
};
