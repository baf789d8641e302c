/**
 * Agents for `sessions.idle` across several collectors: a process of its own holding
 * authenticated sessions, because a process can have only as many sockets open as its
 * open-file limit allows, the bench's clients as much as a collector. It enrolls its own
 * device keys through the store (as `preEnroll` does for the single-collector figure), then
 * opens and authenticates one session per key against the collector it is given and holds
 * them until stopped.
 *
 * Calls: `enroll` {databaseUrl, dataDir, count}, `hold` {url, firstSource, concurrency} →
 * {authenticated, failures, rampS}, `held` → authenticated sessions still open.
 */
import { ChannelClient, loopbackSource } from '../lib/channel-client.js';
import { preEnroll, type Enrolled } from '../lib/targets.js';
import { now, runPool } from '../lib/timing.js';
import { failed, ready, serve } from './child-kit.mjs';

let enrolled: Enrolled[] = [];
const sessions: ChannelClient[] = [];
const authenticated: ChannelClient[] = [];

try {
  serve(
    {
      enroll: async (args) => {
        enrolled = await preEnroll(
          { kind: 'postgres', databaseUrl: String(args.databaseUrl), dataDir: String(args.dataDir) },
          Number(args.count),
        );
        return { enrolled: enrolled.length };
      },
      hold: async (args) => {
        const failures: Record<string, number> = {};
        const start = now();
        // The i-th session of the whole run comes from the i-th loopback source: one source
        // address reaches one collector port through at most ~28,000 ephemeral ports.
        const first = Number(args.firstSource);
        await runPool(
          enrolled.map((agent, i) => ({ agent, i })),
          Number(args.concurrency),
          async ({ agent, i }) => {
            try {
              const client = await ChannelClient.connect(String(args.url), agent.keys, 15_000, loopbackSource(first + i));
              sessions.push(client);
              await client.auth(agent.endpointId);
              authenticated.push(client);
            } catch (error) {
              const reason = ((error as Error).message ?? String(error)).slice(0, 60);
              failures[reason] = (failures[reason] ?? 0) + 1;
            }
          },
          Date.now() + 600_000,
        );
        return { authenticated: authenticated.filter((c) => !c.closed).length, failures, rampS: (now() - start) / 1000 };
      },
      held: () => authenticated.filter((c) => !c.closed).length,
    },
    async () => {
      for (const client of sessions) client.terminate();
    },
  );
  ready({});
} catch (error) {
  failed(error);
}
