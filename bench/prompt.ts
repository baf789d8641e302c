/**
 * prompt.redirect_ms: how long a sign-in takes from the application's authorization request
 * to DevTrust's redirect back with a code, with an agent on the device. The browser's part
 * is played over HTTP exactly as the prompt page plays it (the loopback door is called with
 * the collector's Origin), so the figure is the server side of the flow without rendering.
 * Limit: the same device decision through the bare transaction API (create, attest, read).
 */
import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { LoopbackDoor } from '@devtrust/agent/loopback/door';
import { startTestAgent } from '../test/support/agent.js';
import { startTestCollector, type TestCollector } from '../test/support/collector.js';
import { csvInventory } from '../test/support/app.js';
import { freshPostgresDatabase } from '../test/support/postgres.js';
import type { PromptBenchOptions } from './figures/prompt.js';
import { freePort } from '../test/support/ports.js';
import { BENCH_UNLIMITED } from './lib/targets.js';

const IDENTITY = {
  platform: 'windows' as const,
  serialNumber: 'BENCH-PROMPT-1',
  hardwareUuid: '6a1f0c2e-5b7d-4e11-9a3c-0123456789ab',
  hostname: 'BENCH',
};
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const WARM_UP = 5;
/** Sign-ins measured per database: 200, and 10 at small scale (a smoke value: its median, not a p95 to read). */
export const FULL_RUNS = 200;
export const SMALL_RUNS = 10;

type Result = {
  value: number | null;
  unit: string;
  limit: number | null;
  note: string;
  db: 'sqlite' | 'postgres';
  detail: Record<string, number>;
};

/** A cookie jar good enough for one sign-in (cookie names are unique per flow). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      if (eq > 0) this.cookies.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function step(url: string, jar: Jar, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) },
  });
  jar.take(response);
  return response;
}

/** One sign-in; resolves with the milliseconds until the redirect carrying the code. */
async function signIn(c: TestCollector, clientId: string, door: string): Promise<number> {
  const jar = new Jar();
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid',
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: 'bench@example.com',
  });
  const start = performance.now();
  let response = await step(`${c.url}/oidc/auth?${query}`, jar);
  const pageUrl = new URL(response.headers.get('location') ?? '', c.url).href;
  const html = await (await step(pageUrl, jar, { headers: { accept: 'text/html' } })).text();
  const config = JSON.parse(/<script type="application\/json" id="dt-config">(.*?)<\/script>/.exec(html)?.[1] ?? 'null') as {
    transactionId: string;
    statePath: string;
    finishPath: string;
  };
  const origin = new URL(c.url).origin;
  await (await fetch(`${door}/v1/ping`, { headers: { origin } })).json();
  const attest = await fetch(`${door}/v1/attest`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ transactionId: config.transactionId }),
  });
  if (!attest.ok) throw new Error(`the agent refused to attest: ${attest.status}`);
  const state = (await (await step(`${c.url}${config.statePath}`, jar, { headers: { accept: 'application/json' } })).json()) as {
    state: string;
  };
  if (state.state !== 'decided') throw new Error(`the transaction is ${state.state} after the attestation`);
  response = await step(`${c.url}${config.finishPath}`, jar);
  response = await step(new URL(response.headers.get('location') ?? '', c.url).href, jar);
  const end = performance.now();
  const back = new URL(response.headers.get('location') ?? '', c.url);
  if (!back.href.startsWith(REDIRECT_URI) || !back.searchParams.get('code')) throw new Error(`no code in the redirect: ${back.href}`);
  return end - start;
}

/** The same decision without OIDC: the application's transaction API and the agent. */
async function bareDecision(c: TestCollector, auth: string, door: string): Promise<number> {
  const start = performance.now();
  const created = (await (
    await fetch(`${c.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: '{"username":"bench@example.com"}',
    })
  ).json()) as { id: string };
  await fetch(`${door}/v1/attest`, {
    method: 'POST',
    headers: { origin: new URL(c.url).origin, 'content-type': 'application/json' },
    body: JSON.stringify({ transactionId: created.id }),
  });
  await (await fetch(`${c.url}/api/v1/transactions/${created.id}`, { headers: { authorization: auth } })).json();
  return performance.now() - start;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (ms: number): number => Math.round(ms * 100) / 100;

async function measure(db: 'sqlite' | 'postgres', runs: number, options: PromptBenchOptions): Promise<Result> {
  let databaseUrl: string | null = null;
  if (db === 'postgres') {
    const pg = await freshPostgresDatabase();
    options.defer(pg.drop);
    databaseUrl = pg.url;
  }
  const doorPort = await freePort();
  const c = await startTestCollector({ databaseUrl, scheduler: false, prompt: { loopbackPorts: [doorPort] }, env: BENCH_UNLIMITED });
  options.defer(() => c.stop());
  await csvInventory(c, `serial_number,device_name,platform\n${IDENTITY.serialNumber},BENCH,windows`);
  const app = await c.admin('POST', '/admin/v1/applications', {
    name: 'Bench',
    redirectUris: [REDIRECT_URI],
    policy: { trustedEndpoints: 'require-trusted' },
  });
  const agent = await startTestAgent(c.url, IDENTITY);
  options.defer(() => agent.stop());
  // The agent's own door class, without the shipped 30-a-minute limit a bench would hit.
  const loopback = new LoopbackDoor({
    collectorOrigin: new URL(c.url).origin,
    port: doorPort,
    tls: null,
    attest: async (tx) => void (await agent.agent.attest(tx)),
    log: pino({ level: 'silent' }),
    ratePerMinute: Number.MAX_SAFE_INTEGER,
  });
  await loopback.start();
  options.defer(() => loopback.stop());
  const door = `http://127.0.0.1:${doorPort}`;
  const auth = `Basic ${Buffer.from(`${app.body.clientId}:${app.body.clientSecret}`).toString('base64')}`;

  for (let i = 0; i < WARM_UP; i++) {
    await signIn(c, app.body.clientId, door);
    await bareDecision(c, auth, door);
  }
  const prompt: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    prompt.push(await signIn(c, app.body.clientId, door));
    bare.push(await bareDecision(c, auth, door));
  }
  prompt.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  const p50 = percentile(prompt, 50);
  options.log(`${db}: prompt p50 ${p50.toFixed(1)} ms, bare p50 ${percentile(bare, 50).toFixed(1)} ms over ${runs} runs`);
  return {
    value: round(p50),
    unit: 'ms',
    limit: round(percentile(bare, 50)),
    db,
    note: `median of ${runs} sign-ins over HTTP (no page rendering); limit: the bare transaction API decision`,
    detail: {
      runs,
      p95Ms: round(percentile(prompt, 95)),
      maxMs: round(prompt[prompt.length - 1] ?? NaN),
      bareP95Ms: round(percentile(bare, 95)),
    },
  };
}

export async function benchPrompt(options: PromptBenchOptions): Promise<Result[]> {
  const runs = options.scale === 'small' ? SMALL_RUNS : FULL_RUNS;
  const results: Result[] = [];
  for (const db of options.databases.length > 0 ? options.databases : (['sqlite'] as const)) results.push(await measure(db, runs, options));
  return results;
}
