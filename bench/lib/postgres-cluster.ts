import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const PG_ROOT = '/usr/lib/postgresql';

/** A PostgreSQL cluster the bench made for itself in a temporary directory. */
export interface OwnCluster {
  url: string;
  version: string;
  stop(): void;
}

/** The newest installed server's bin directory (Debian's `postgresql` package layout), or null. */
function serverBin(): { bin: string; version: string } | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(path.join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const version = versions[0];
  return version ? { bin: path.join(PG_ROOT, version, 'bin'), version } : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throwaway PostgreSQL cluster (initdb in a temporary directory, loopback only, trust
 * authentication for the one role it creates), as `.ci/run` does with Debian's package, when
 * DEVTRUST_TEST_DATABASE_URL names no server. PostgreSQL refuses to run as root: as root the
 * cluster belongs to the `postgres` system user. Returns the cluster, or why there is none.
 */
export async function startOwnCluster(): Promise<OwnCluster | { why: string }> {
  const server = serverBin();
  if (!server) {
    return {
      why: `DEVTRUST_TEST_DATABASE_URL is not set and no PostgreSQL server is installed under ${PG_ROOT} (apt-get install postgresql)`,
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  let run = (command: string, args: string[]): void => void execFileSync(path.join(server.bin, command), args, { stdio: 'pipe' });
  if (asRoot) {
    let uid: number;
    let gid: number;
    try {
      uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return { why: 'DEVTRUST_TEST_DATABASE_URL is not set, and as root a cluster needs the postgres system user, which does not exist' };
    }
    chownSync(dir, uid, gid);
    run = (command, args) =>
      void execFileSync('runuser', ['-u', 'postgres', '--', path.join(server.bin, command), ...args], { stdio: 'pipe' });
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'devtrust', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=300 -c shared_buffers=256MB`;
    run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-2).join(' ');
    return {
      why: `DEVTRUST_TEST_DATABASE_URL is not set and starting a PostgreSQL ${server.version} cluster failed: ${stderr || (error as Error).message}`,
    };
  }
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
    if (asRoot) spawnSync('runuser', ['-u', 'postgres', '--', path.join(server.bin, 'pg_ctl'), ...args], { stdio: 'ignore' });
    else spawnSync(path.join(server.bin, 'pg_ctl'), args, { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  // However the bench ends, the cluster does not outlive it.
  process.once('exit', stop);
  return { url: `postgres://devtrust@127.0.0.1:${port}/postgres`, version: server.version, stop };
}
