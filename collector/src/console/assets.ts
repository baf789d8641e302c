import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One static file of the console, held in memory (the whole tree is a few dozen KB). */
export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export interface AssetBundle {
  /** Hash of the whole tree: the versioned URL prefix that makes long caching safe. */
  version: string;
  /** Files by their path under assets/, with "/" separators. */
  files: Map<string, Asset>;
  /** index.html with its asset base filled in; served no-cache so a new version shows at once. */
  index: Asset;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/** Where index.html points its stylesheet and scripts; replaced once at load time. */
const ASSET_BASE_PLACEHOLDER = /%ASSETS%/g;
/** Where index.html shows the collector's version (in the header, so it is on every page). */
const VERSION_PLACEHOLDER = /%VERSION%/g;

/**
 * The assets folder: beside this module when run from src/ (tsx), or back in src/ when run
 * from dist/ (tsc does not copy non-TypeScript files).
 */
export function assetsDirectory(): string {
  const candidates = [new URL('./assets/', import.meta.url), new URL('../../src/console/assets/', import.meta.url)].map((u) =>
    fileURLToPath(u),
  );
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (!found) throw new Error(`console assets not found (looked in ${candidates.join(', ')})`);
  return found;
}

function walk(dir: string, prefix: string, out: Map<string, Buffer>): void {
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const relative = prefix ? `${prefix}/${name}` : name;
    if (statSync(full).isDirectory()) walk(full, relative, out);
    else if (TYPES[path.extname(name)]) out.set(relative, readFileSync(full));
  }
}

const etagOf = (body: Buffer): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

/** Reads the tree once at start-up; requests are answered from memory, never from a path. */
export function loadAssets(dir: string, mountPath: string, collectorVersion: string): AssetBundle {
  const raw = new Map<string, Buffer>();
  walk(dir, '', raw);
  const hash = createHash('sha256');
  for (const [name, body] of raw) hash.update(name).update('\0').update(body).update('\0');
  const version = hash.digest('hex').slice(0, 12);

  const files = new Map<string, Asset>();
  for (const [name, body] of raw) {
    if (name === 'index.html') continue;
    files.set(name, { body, type: TYPES[path.extname(name)] as string, etag: etagOf(body) });
  }
  const template = raw.get('index.html');
  if (!template) throw new Error(`console assets in ${dir} have no index.html`);
  const indexBody = Buffer.from(
    template
      .toString('utf8')
      .replace(ASSET_BASE_PLACEHOLDER, `${mountPath}/assets/${version}`)
      .replace(VERSION_PLACEHOLDER, collectorVersion),
  );
  return { version, files, index: { body: indexBody, type: TYPES['.html'] as string, etag: etagOf(indexBody) } };
}
