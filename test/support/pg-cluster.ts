import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { freePort } from './ports.js';

/** Where Debian's `postgresql` package puts each server version's binaries. */
const PG_LIB = '/usr/lib/postgresql';

/** The newest installed server: its bin directory and major version, or null. */
function installedServer(): { bin: string; version: string } | null {
  if (!existsSync(PG_LIB)) return null;
  const version = readdirSync(PG_LIB)
    .filter((v) => existsSync(path.join(PG_LIB, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return version ? { bin: path.join(PG_LIB, version, 'bin'), version } : null;
}

function idOf(flag: '-u' | '-g', user: string): number | null {
  try {
    return Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  } catch {
    return null;
  }
}

const asRoot = (): boolean => process.getuid?.() === 0;

/**
 * Why a throwaway PostgreSQL cluster cannot be made here, or null when it can: the server
 * binaries (`.ci/run` installs them), and as root the `postgres` system user, since
 * PostgreSQL refuses to run as root.
 */
export function pgClusterUnavailable(): string | null {
  if (!installedServer()) return `no PostgreSQL server is installed under ${PG_LIB} (apt-get install postgresql)`;
  if (asRoot() && idOf('-u', 'postgres') === null) return 'as root a cluster needs the postgres system user, which does not exist';
  return null;
}

/** Runs one of the server's tools, as `postgres` when we are root; throws with its stderr. */
function runTool(bin: string, tool: string, args: string[], cwd: string): string {
  const [command, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
  return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd });
}

/** The process that made a cluster, written in its directory. */
const OWNER_FILE = 'owner.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Clusters under `prefix` whose maker is gone are stopped and removed: a run killed, or
 * interrupted where no handler runs (a test runner's Ctrl-C ends its workers before any
 * `afterAll`), leaves its postmaster running in a session of its own.
 */
function sweepOrphans(bin: string, prefix: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // not a cluster of ours, or one being made right now
    }
    if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) continue;
    try {
      runTool(bin, 'pg_ctl', ['-D', path.join(dir, 'data'), '-w', '-m', 'immediate', 'stop'], dir);
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface PgClusterOptions {
  /** The superuser initdb creates, which the URL connects as (trust authentication, loopback only). */
  role?: string;
  /** The database the URL names; created unless it is `postgres`. */
  database?: string;
  /** Server settings, as `name=value` (`-c` options of the server). */
  settings?: string[];
  /** The temporary directory's name starts with this. */
  prefix?: string;
}

/**
 * A PostgreSQL cluster of its own in a temporary directory, on a free loopback port: the
 * fault tests stop, restart and make it read-only at will (the shared test server must never
 * be), and `npm run bench` starts one when DEVTRUST_TEST_DATABASE_URL names no server. As
 * root it runs as the `postgres` system user. Removed by close(), whatever state it is in, or
 * by the next cluster made with the same prefix once the process that made it is gone.
 */
export class PgCluster {
  private constructor(
    private readonly dir: string,
    private readonly bin: string,
    readonly version: string,
    readonly port: number,
    private readonly role: string,
    private readonly database: string,
    private readonly settings: string[],
  ) {}

  get url(): string {
    return `postgres://${this.role}@127.0.0.1:${this.port}/${this.database}`;
  }

  private pg(tool: string, args: string[]): string {
    return runTool(this.bin, tool, args, this.dir);
  }

  static async create(options: PgClusterOptions = {}): Promise<PgCluster> {
    const why = pgClusterUnavailable();
    if (why) throw new Error(why);
    const server = installedServer() as { bin: string; version: string };
    const prefix = options.prefix ?? 'devtrust-pg-';
    sweepOrphans(server.bin, prefix);
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
    if (asRoot()) chownSync(dir, idOf('-u', 'postgres') as number, idOf('-g', 'postgres') as number);
    const role = options.role ?? 'postgres';
    const database = options.database ?? 'devtrust';
    const cluster = new PgCluster(dir, server.bin, server.version, await freePort(), role, database, options.settings ?? []);
    try {
      cluster.pg('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', role, '-E', 'UTF8', '--no-sync']);
      cluster.start();
      if (database !== 'postgres') {
        const admin = cluster.admin('postgres');
        try {
          await admin.raw(`create database ${database}`);
        } finally {
          await admin.destroy();
        }
      }
    } catch (error) {
      cluster.close();
      const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-2).join(' ');
      throw new Error(`starting a PostgreSQL ${server.version} cluster failed: ${stderr || (error as Error).message}`);
    }
    return cluster;
  }

  /** A superuser connection to `database`, outside any collector's pool. */
  admin(database = this.database): ReturnType<typeof knexFactory> {
    return knexFactory({
      client: 'pg',
      connection: `postgres://${this.role}@127.0.0.1:${this.port}/${database}`,
      pool: { min: 0, max: 1 },
    });
  }

  /**
   * New tables of the database go to a tablespace in `dir` (e.g. a small filesystem that a
   * test fills up); the write-ahead log stays in the data directory. Call before the
   * collector creates its tables.
   */
  async tablespaceIn(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    if (asRoot()) chownSync(dir, idOf('-u', 'postgres') as number, -1);
    const admin = this.admin('postgres');
    try {
      await admin.raw(`create tablespace devtrust_data location '${dir}'`);
      await admin.raw(`alter database ${this.database} set default_tablespace = devtrust_data`);
    } finally {
      await admin.destroy();
    }
  }

  start(): void {
    const settings = ['listen_addresses=127.0.0.1', ...this.settings].map((s) => `-c ${s}`).join(' ');
    const data = path.join(this.dir, 'data');
    this.pg('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port} -k ${this.dir} ${settings}`,
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
      await admin.raw(`alter database ${this.database} set default_transaction_read_only = on`);
      await admin.raw('select pg_terminate_backend(pid) from pg_stat_activity where datname = ?', [this.database]);
    } finally {
      await admin.destroy();
    }
  }

  /** Writable again for new sessions only: sessions opened meanwhile stay read-only (what the collector must notice). */
  async writable(): Promise<void> {
    const admin = this.admin('postgres');
    try {
      await admin.raw(`alter database ${this.database} reset default_transaction_read_only`);
    } finally {
      await admin.destroy();
    }
  }

  /** Stops the server at once and removes its directory; safe to call twice. */
  close(): void {
    if (!existsSync(this.dir)) return;
    try {
      this.pg('pg_ctl', ['-D', path.join(this.dir, 'data'), '-w', '-m', 'immediate', 'stop']);
    } catch {
      /* not running */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
