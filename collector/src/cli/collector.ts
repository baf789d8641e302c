import { loadConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { startCollector } from '../server.js';

/**
 * devtrust-collector: configuration from the environment (SPEC "Collector configuration");
 * bad configuration stops start-up with one line naming the variable.
 */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    const { CONFIG_VARIABLES } = await import('../config/config.js');
    process.stdout.write('devtrust-collector: the DevTrust collector. Configure it with environment variables:\n');
    for (const [name, v] of Object.entries(CONFIG_VARIABLES))
      process.stdout.write(`  ${name.padEnd(28)} ${v.doc}${v.default ? ` (default ${v.default})` : ''}\n`);
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
  let collector;
  try {
    collector = await startCollector(config);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use (set DEVTRUST_PORT)` : (error as Error).message;
    process.stderr.write(`devtrust-collector: cannot start: ${message}\n`);
    process.exit(1);
  }
  const { firstStart } = collector;
  if (firstStart.ownerApiKey) {
    process.stdout.write(`\nFirst start: owner API key (shown once, store it now):\n  ${firstStart.ownerApiKey}\n`);
  }
  if (firstStart.enrollmentKey) {
    process.stdout.write(
      `Agent enrollment key (shown once; rotate with POST /admin/v1/enrollment-key):\n  ${firstStart.enrollmentKey}\n\n`,
    );
  }
  process.stdout.write(`DevTrust collector listening on ${collector.url} (database: ${collector.services.store.dialect})\n`);
  const stop = (): void => {
    void collector.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
