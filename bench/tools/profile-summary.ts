/**
 * A flame graph in text: reads a V8 `.cpuprofile` (from `npm run bench -- --profile DIR`)
 * and prints where the process spent its samples, by category (signature checks, JSON,
 * zod, canonicalisation, knex query building, database driver, ws, GC, idle), then the
 * heaviest functions by self time and by total time (self plus callees). Usage:
 *   node --import tsx bench/tools/profile-summary.ts FILE.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const micros = new Map<number, number>();
profile.samples.forEach((id, i) => micros.set(id, (micros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...micros.values()].reduce((a, b) => a + b, 0);

const label = (n: Node): string => {
  const url = n.callFrame.url.replace(/^.*\/(node_modules\/)/, '$1').replace(/^file:\/\/.*\/wt-[^/]+\//, '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};

/** The first category a sample's stack (leaf to root) falls in. */
const CATEGORIES: [string, (n: Node) => boolean][] = [
  ['idle', (n) => n.callFrame.functionName === '(idle)'],
  ['garbage collection', (n) => n.callFrame.functionName === '(garbage collector)'],
  ['signature checks (Ed25519 verify)', (n) => /crypto\/device-key/.test(n.callFrame.url) || n.callFrame.functionName === 'verify'],
  ['canonicalisation', (n) => /crypto\/canonical|signedPayloadOf/.test(n.callFrame.url + n.callFrame.functionName)],
  ['zod parsing', (n) => /node_modules\/zod/.test(n.callFrame.url)],
  ['identifier normalisation', (n) => /shared\/src\/identity/.test(n.callFrame.url)],
  ['knex query building', (n) => /node_modules\/knex\/lib\/(query|formatter|schema|builder|raw|ref|knex-builder)/.test(n.callFrame.url)],
  ['knex runner/pool/transactions', (n) => /node_modules\/(knex|tarn)\//.test(n.callFrame.url)],
  ['database driver (sqlite3 / pg)', (n) => /node_modules\/(sqlite3|pg|pg-protocol|pg-pool)\//.test(n.callFrame.url)],
  ['JSON parse/stringify', (n) => /^(parse|stringify)$/.test(n.callFrame.functionName) && n.callFrame.url === ''],
  ['ws framing', (n) => /node_modules\/ws\//.test(n.callFrame.url)],
  ['logging (pino)', (n) => /node_modules\/pino/.test(n.callFrame.url)],
  ['koa / http', (n) => /node_modules\/(koa|@koa|http-errors)|node:_http/.test(n.callFrame.url)],
  ['collector code', (n) => /collector\/src|collector\/dist/.test(n.callFrame.url)],
  ['shared code', (n) => /shared\/src|shared\/dist/.test(n.callFrame.url)],
  ['node internals', (n) => /^node:/.test(n.callFrame.url)],
  ['(program / native)', () => true],
];

const categories = new Map<string, number>();
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of micros) {
  let node = byId.get(id) as Node;
  self.set(label(node), (self.get(label(node)) ?? 0) + us);
  let category: string | null = null;
  const seen = new Set<string>();
  for (let cur: Node | undefined = node; cur; cur = byId.get(parent.get(cur.id) ?? -1)) {
    const key = label(cur);
    if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    seen.add(key);
    if (category === null) category = CATEGORIES.find(([, test]) => test(cur as Node))?.[0] ?? null;
    if (category === '(program / native)' || category === 'node internals') category = null; // look further up
    node = cur;
  }
  category ??= CATEGORIES.find(([, test]) => test(byId.get(id) as Node))?.[0] ?? '(program / native)';
  categories.set(category, (categories.get(category) ?? 0) + us);
}

const pct = (us: number): string => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
const print = (title: string, rows: Map<string, number>, n: number): void => {
  console.log(`\n${title}`);
  for (const [name, us] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
print('by category (first match from the leaf up)', categories, 30);
print('by self time', self, top);
print('by total time (self + callees)', inclusive, top);
