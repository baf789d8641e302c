import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';

const PG_LIB = '/usr/lib/postgresql';

function binDir(): string | null {
  if (!existsSync(PG_LIB)) return null;
  const version = readdirSync(PG_LIB)
    .filter((v) => existsSync(path.join(PG_LIB, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return version ? path.join(PG_LIB, version, 'bin') : null;
}

function uidOf(user: string): number | null {
  try {
    return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  } catch {
    return null;
  }
}

/** Why a throwaway PostgreSQL cluster cannot be made here, or false when it can. */
export function pgClusterSkip(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (to run a throwaway PostgreSQL cluster as the postgres user)';
  if (!binDir()) return `no PostgreSQL server binaries under ${PG_LIB} (.ci/run installs postgresql)`;
  if (uidOf('postgres') === null) return 'no postgres user';
  return false;
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
 * A PostgreSQL cluster of its own in a temp dir, on a free port: the shared test server
 * must never be stopped or reconfigured, this one is stopped, restarted and made
 * read-only at will. Removed by close(), whatever state it is in.
 */
export class PgCluster {
  private constructor(
    private readonly dir: string,
    private readonly bin: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/devtrust`;
  }

  private pg(tool: string, args: string[]): string {
    return execFileSync('runuser', ['-u', 'postgres', '--', path.join(this.bin, tool), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: this.dir,
    });
  }

  static async create(): Promise<PgCluster> {
    const bin = binDir() as string;
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-pgfault-'));
    chownSync(dir, uidOf('postgres') as number, -1);
    const cluster = new PgCluster(dir, bin, await freePort());
    try {
      cluster.pg('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      cluster.start();
      const admin = cluster.admin('postgres');
      await admin.raw('create database devtrust');
      await admin.destroy();
    } catch (error) {
      cluster.close();
      throw error;
    }
    return cluster;
  }

  /** A superuser connection to `database`, outside the collector's pool. */
  admin(database = 'devtrust'): ReturnType<typeof knexFactory> {
    return knexFactory({ client: 'pg', connection: `postgres://postgres@127.0.0.1:${this.port}/${database}`, pool: { min: 0, max: 1 } });
  }

  /**
   * New tables of the devtrust database go to a tablespace in `dir` (e.g. a small filesystem
   * that a test fills up); the write-ahead log stays in the data directory. Call before the
   * collector creates its tables.
   */
  async tablespaceIn(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, uidOf('postgres') as number, -1);
    const admin = this.admin('postgres');
    try {
      await admin.raw(`create tablespace devtrust_data location '${dir}'`);
      await admin.raw('alter database devtrust set default_tablespace = devtrust_data');
    } finally {
      await admin.destroy();
    }
  }

  start(): void {
    this.pg('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`,
      'start',
    ]);
  }

  /** Stops the server; `fast` ends every session (clients see 57P01 and lose their connections). */
  stop(): void {
    this.pg('pg_ctl', ['-D', path.join(this.dir, 'data'), '-w', '-m', 'fast', 'stop']);
  }

  /** Makes the database read-only for new sessions and ends the current ones, as a failover to a standby would. */
  async readOnly(): Promise<void> {
    const admin = this.admin('postgres');
    try {
      await admin.raw('alter database devtrust set default_transaction_read_only = on');
      await admin.raw("select pg_terminate_backend(pid) from pg_stat_activity where datname = 'devtrust'");
    } finally {
      await admin.destroy();
    }
  }

  /** Writable again for new sessions only: sessions opened meanwhile stay read-only (what the collector must notice). */
  async writable(): Promise<void> {
    const admin = this.admin('postgres');
    try {
      await admin.raw('alter database devtrust reset default_transaction_read_only');
    } finally {
      await admin.destroy();
    }
  }

  close(): void {
    try {
      this.pg('pg_ctl', ['-D', path.join(this.dir, 'data'), '-w', '-m', 'immediate', 'stop']);
    } catch {
      /* not running */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
