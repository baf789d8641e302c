/**
 * The loopback Kandji the connector tests use (collector/test/vendors/mdm/kandji.ts) in a
 * process of its own, serving BENCH_DEVICES synthetic devices made page by page (it never holds
 * the fleet) behind the bearer token BENCH_API_TOKEN. For figures that time clients in the
 * bench's own process while a sync runs: building the vendor's pages there would delay the
 * clients' callbacks, and the figure would measure the bench's event loop, not the collector.
 * Answers `pagesServed`.
 */
import { kandjiDevice, startKandjiServer } from '../../collector/test/vendors/mdm/kandji.js';
import { syntheticInventory } from '../../collector/test/vendors/mdm/server-kit.js';
import { failed, ready, serve } from './child-kit.mjs';

try {
  const server = await startKandjiServer({
    apiToken: process.env.BENCH_API_TOKEN as string,
    inventory: syntheticInventory(Number(process.env.BENCH_DEVICES), kandjiDevice),
  });
  serve({ pagesServed: () => server.stats.pagesServed }, () => server.close());
  ready({ url: server.url });
} catch (error) {
  failed(error);
}
