/**
 * A real collector in its own process, so its RSS is measurable alone and it can be
 * killed -9. Configured through the environment like `npm start` (DEVTRUST_*); answers
 * `stats` (agent channel counts) and `ingest-kandji` (the generic sync engine fed by the
 * Kandji client, for when the Kandji kind is not registered yet).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '@devtrust/collector/config/config';
import { startCollector } from '@devtrust/collector/server';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { failed, ready, serve } from './child-kit.js';

try {
  const collector = await startCollector(loadConfig(process.env), { scheduler: false });
  const { services } = collector;
  // Statements that succeeded, by their first word (SELECT, INSERT, BEGIN, …): counts do not move with the machine's load.
  const statements = new Map<string, number>();
  statementsOf(collector.store.knex.client).on('done', ({ sql }: { sql: string }) => {
    const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
    statements.set(word, (statements.get(word) ?? 0) + 1);
  });
  // Of those, the ones knex's runner ran (the rest went straight to the driver: store/driver-statements.ts).
  collector.store.knex.on('query', () => statements.set('(through knex)', (statements.get('(through knex)') ?? 0) + 1));
  let profiler: Session | null = null;
  serve(
    {
      statements: () => Object.fromEntries(statements),
      // A CPU profile of a window only (bench/tools/profile-decision.ts), not of the whole life as --cpu-prof.
      'profile-start': async (args) => {
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: Number(args.intervalUs ?? 500) });
        await profiler.post('Profiler.start');
        return null;
      },
      'profile-stop': async (args) => {
        if (!profiler) throw new Error('no profile started');
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        profiler = null;
        writeFileSync(args.file as string, JSON.stringify(profile));
        return null;
      },
      stats: () => ({ connections: collector.channel.connections, authenticated: collector.channel.connectedEndpoints }),
      // Inventory loading when the CSV upload route cannot take it (see decision.ts).
      'ingest-csv': async (args) => {
        const { parseCsvInventory } = await import('@devtrust/collector/sync/csv/parse');
        const pageSize = Number(args.pageSize);
        async function* rechunked() {
          for await (const page of parseCsvInventory(args.csv as string)) {
            for (let i = 0; i < page.length; i += pageSize) yield page.slice(i, i + pageSize);
          }
        }
        const run = await services.engine.ingest(args.integrationId as string, rechunked());
        return { status: run.status, devices: run.devices, error: run.error ?? null };
      },
      'ingest-kandji': async (args) => {
        const [{ KandjiClient }, { mapKandjiDevice }, { mappedPages }] = await Promise.all([
          import('@devtrust/collector/sync/kandji/client'),
          import('@devtrust/collector/sync/kandji/map'),
          import('@devtrust/collector/sync/kit/pages'),
        ]);
        const client = new KandjiClient({ baseUrl: args.baseUrl as string, apiToken: args.apiToken as string }, {});
        const signal = new AbortController().signal;
        const pages = mappedPages(client.pages({ signal, log: services.log }), mapKandjiDevice);
        const started = Date.now();
        const run = await services.engine.ingest(args.integrationId as string, pages);
        return { status: run.status, devices: run.devices, error: run.error ?? null, ms: Date.now() - started };
      },
    },
    () => collector.close(),
  );
  ready({ url: collector.url, port: collector.port });
} catch (error) {
  failed(error);
}
