import { Readable } from 'node:stream';
import type { Router } from '@koa/router';
import { z } from 'zod';
import type { AuthLogEntry, AuthLogQuery } from '../../domain/auth-log.js';
import { badRequest } from '../../errors.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';
import { csvLine } from '../csv-cells.js';
import { instant } from '../instant.js';
import { decodeNumberCursor, encodeCursor } from '../cursor.js';

const filters = {
  since: z.string().max(64).optional(),
  until: z.string().max(64).optional(),
  user: z.string().max(256).optional(),
  applicationId: z.string().min(1).max(64).optional(),
  endpointId: z.string().min(1).max(64).optional(),
  verdict: z.enum(['trusted', 'untrusted']).optional(),
  /** A reference from a denial page, an ID token or the transaction API: the transaction id. */
  reference: z.string().min(1).max(64).optional(),
  outcome: z.enum(['attested', 'unattested', 'abandoned', 'all']).optional(),
};

export const authLogListQuery = z.strictObject({
  ...filters,
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const authLogExportQuery = z.strictObject(filters);

const LISTING = 'auth-log';

const listLog = operation({
  summary: 'The sign-ins and their verdicts, newest first, a page at a time',
  description: 'Filters as in the export; `cursor` is the `nextCursor` of the page before (opaque).',
  query: authLogListQuery,
  responses: {
    200: '{entries: [{id, at, transactionId, applicationId, applicationName, username, endpointId, endpointHostname, outcome, verdict, access, reasons, assurance}], nextCursor, total: {count, exact}}',
  },
});
const exportLog = operation({
  summary: 'The auth log as CSV, streamed',
  query: authLogExportQuery,
  responses: { 200: { description: 'every entry the filters select, newest first (formula-safe cells)', contentType: 'text/csv' } },
});

function filterOf(query: z.infer<typeof authLogExportQuery>): Omit<AuthLogQuery, 'after' | 'limit'> {
  const since = instant(query.since, 'since');
  const until = instant(query.until, 'until');
  if (since !== undefined && until !== undefined && until <= since)
    throw badRequest('INVALID_REQUEST', 'until: must be after since', 'until');
  return {
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(query.user ? { user: query.user } : {}),
    ...(query.applicationId ? { applicationId: query.applicationId } : {}),
    ...(query.endpointId ? { endpointId: query.endpointId } : {}),
    ...(query.verdict ? { verdict: query.verdict } : {}),
    ...(query.reference ? { reference: query.reference } : {}),
    ...(query.outcome ? { outcome: query.outcome } : {}),
  };
}

const CSV_COLUMNS = [
  'id',
  'at',
  'outcome',
  'username',
  'applicationId',
  'applicationName',
  'endpointId',
  'endpointHostname',
  'verdict',
  'access',
  'assurance',
  'reasons',
];

const csvRow = (e: AuthLogEntry): string =>
  csvLine([
    e.id,
    new Date(e.at).toISOString(),
    e.outcome,
    e.username,
    e.applicationId,
    e.applicationName,
    e.endpointId,
    e.endpointHostname,
    e.verdict,
    e.access,
    e.assurance ?? '',
    e.reasons.join('; '),
  ]);

/** `/admin/v1/auth-log`: the sign-ins and their verdicts, newest first, paged or exported as CSV. */
export function authLogRoutes(services: Services): Router {
  const { authLog } = services;
  const router = exactRouter();

  router.get('/auth-log', can('auth-log'), listLog, async function listAuthLog(ctx) {
    const { query } = listLog.input(ctx);
    const filter = filterOf(query);
    const limit = query.limit ?? 200;
    const after = query.cursor !== undefined ? decodeNumberCursor(query.cursor, LISTING) : undefined;
    // One row past the page says whether another page follows; a first page that is also the
    // last holds the whole count.
    const read = await authLog.query({ ...filter, limit: limit + 1, ...(after ? { after } : {}) });
    const total = !after && read.length <= limit ? { count: read.length, exact: true } : await authLog.total(filter);
    const entries = read.slice(0, limit);
    const last = read.length > limit ? entries[entries.length - 1] : undefined;
    ctx.body = { entries, nextCursor: last ? encodeCursor(LISTING, { at: last.at, id: last.id }) : null, total };
  });

  router.get('/auth-log/export', can('auth-log'), exportLog, async function exportAuthLog(ctx) {
    const filter = filterOf(exportLog.input(ctx).query);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('content-disposition', `attachment; filename="devtrust-auth-log-${stamp}Z.csv"`);
    ctx.set('cache-control', 'no-store');
    // HEAD: the headers only, nothing read.
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      return;
    }
    const batches = authLog.exportAll(filter);
    // Read the first batch before answering, so a failing database is a clean 5xx, not a cut file.
    const first = await batches.next();
    async function* lines(): AsyncGenerator<string> {
      yield csvLine(CSV_COLUMNS);
      if (first.done) return;
      yield first.value.map(csvRow).join('');
      for await (const batch of batches) yield batch.map(csvRow).join('');
    }
    // Bytes, not objects: the stream buffers about one batch ahead of what the socket takes.
    const body = Readable.from(lines(), { objectMode: false });
    // A client that goes away stops the reads (the generator is returned, its batches unread).
    body.on('close', () => void batches.return(undefined));
    ctx.body = body;
  });
  return router;
}
