import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandLineError, packageVersion, parseCommandLine } from '@devtrust/shared/cli/command-line';
import { CONFIG_VARIABLES, loadConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { loadMasterKey, masterKeyCheck } from '../keys/master-key.js';
import { startCollector } from '../server.js';
import { DataDirInUseError, DataDirNotWritableError } from '../store/data-dir-lock.js';
import { firstStartBanner, leftoverKeysFileNotice } from './first-start-banner.js';

const VERSION = packageVersion(new URL('../../package.json', import.meta.url));

function help(): string {
  const lines = [
    `devtrust-collector ${VERSION}: the DevTrust collector.`,
    '',
    '  devtrust-collector            start (configured by the environment variables below)',
    '  devtrust-collector --help     this text',
    '  devtrust-collector --version  print the version',
    '  devtrust-collector --master-key-check',
    '                                print the check value of the configured master key (DEVTRUST_MASTER_KEY, else',
    "                                DATA_DIR/master.key) and start nothing: compare it with a backup's masterKeyCheck",
    '',
    'Environment variables:',
    ...Object.entries(CONFIG_VARIABLES).map(([name, v]) => `  ${name.padEnd(28)} ${v.doc}${v.default ? ` (default ${v.default})` : ''}`),
    '  DEVTRUST_CONFIG_FILE         a JSON file holding any of these; the environment wins',
    '',
  ];
  return lines.join('\n');
}

/**
 * The start-up lines: where the collector listens (DEVTRUST_HOST, DEVTRUST_PORT) and the URL
 * people use (DEVTRUST_PUBLIC_URL), which behind a proxy differ, each named for what it is.
 */
export function listeningLines(listenUrl: string, publicUrl: string, database: string): string {
  return [
    `DevTrust collector listening on ${listenUrl} (DEVTRUST_HOST, DEVTRUST_PORT)`,
    `  public URL: ${publicUrl} (DEVTRUST_PUBLIC_URL: what agents, browsers and applications use)`,
    `  database: ${database}`,
    '',
  ].join('\n');
}

/**
 * devtrust-collector: configuration from the environment (docs/configuration.md); bad
 * configuration or a bad flag stops start-up with one line and exit code 2.
 */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  let flags;
  try {
    flags = parseCommandLine(argv, {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      'master-key-check': { type: 'boolean' },
    }).values;
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    process.stderr.write(`devtrust-collector: ${error.message}\n`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(help());
    return;
  }
  if (flags.version) {
    process.stdout.write(`devtrust-collector ${VERSION}\n`);
    return;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`devtrust-collector: bad configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (flags['master-key-check']) {
    // Never generates a key: this answers which key is there, for a restore (docs/operations-backup-upgrade.md).
    try {
      process.stdout.write(`${masterKeyCheck(loadMasterKey(config.masterKey, config.dataDir, false))}\n`);
    } catch (error) {
      process.stderr.write(`devtrust-collector: ${(error as Error).message.replace(/, but the database holds.*$/s, '')}\n`);
      process.exit(1);
    }
    return;
  }
  let collector;
  try {
    collector = await startCollector(config, {
      // Another collector took the data dir's lock from under this one (its lock file was removed
      // while it ran): this one stops, exit 1, and restarted it is refused while that one runs.
      // Called only once the start returned, so `stop` below is defined by then.
      dataDirLock: { onTaken: () => stop('DATA_DIR_IN_USE', 1) },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use (set DEVTRUST_PORT)`
        : // The code too: scripts and service managers' logs match on it, not on the wording.
          error instanceof DataDirInUseError || error instanceof DataDirNotWritableError
          ? `${error.code}: ${error.message}`
          : (error as Error).message;
    process.stderr.write(`devtrust-collector: cannot start: ${message}\n`);
    // A master key missing or not the database's is configuration too: exit 2, which a service
    // manager is told not to restart on (collector/deploy/devtrust-collector.service). A data
    // dir another collector holds is 1: restarted, this one starts once that one has gone.
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  const log = collector.services.log;
  // close() drains as it always has: syncs in progress end and are recorded, agents are told
  // the collector is going away (1001), then the database closes. The two lines bracket it, so
  // a log shows a stop asked for and one that finished, apart from a crash or a kill -9.
  const stop = (signal: NodeJS.Signals | 'DATA_DIR_IN_USE', exitCode = 0): void => {
    log.info({ signal }, 'collector stopping');
    process.stdout.write(`DevTrust collector stopping (${signal}): ending syncs in progress, closing agent connections\n`);
    collector.close().then(
      () => {
        log.info({ signal }, 'collector stopped');
        process.stdout.write('DevTrust collector stopped\n');
        process.exit(exitCode);
      },
      (error: unknown) => {
        log.error({ err: error, signal }, 'collector did not stop cleanly');
        process.stderr.write(`devtrust-collector: stopping failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // Before the lines that say it listens: whoever starts it (a service manager, a test) may send
  // a signal the moment it reads them, and one that came before the handlers would end the
  // process with no "stopping" and no clean close (seen under load: exit by signal, code null).
  // Not `stop` itself: Node passes a signal handler the signal's number too, which is no exit code.
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // The keys themselves reach a terminal only: piped stdout ends in a log store (systemd,
  // Docker), so there it names the owner-only file that holds them instead.
  const banner = collector.firstStart.keysFile
    ? firstStartBanner(collector.firstStart, process.stdout.isTTY === true)
    : leftoverKeysFileNotice(config.dataDir);
  if (banner) process.stdout.write(banner);
  process.stdout.write(listeningLines(collector.listenUrl, collector.publicUrl, collector.services.health.database));
  if (collector.metricsUrl) process.stdout.write(`Prometheus metrics on ${collector.metricsUrl}\n`);
}

// `node collector/dist/cli/collector.js` runs the collector too; the bin imports main() instead.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
