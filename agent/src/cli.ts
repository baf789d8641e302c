import { pino } from 'pino';
import { AgentConfigError, loadAgentConfig } from './config/config.js';
import { platformManagedReader } from './config/managed/index.js';
import { Agent } from './core/agent.js';
import { platformKeyStore, runningAsSystem } from './keys/platform-key-store.js';
import { LinkError } from './link/agent-link.js';
import { loopbackTlsProvider } from './loopback/tls.js';
import { loopbackCertCommand } from './loopback/tls-command.js';
import { doctorCommand } from './doctor/command.js';
import { AGENT_VERSION } from './version.js';

const HELP = `devtrust-agent ${AGENT_VERSION}: the DevTrust agent, headless.

  devtrust-agent --collector URL --enrollment-key KEY [options]

  --collector URL         the collector (DEVTRUST_AGENT_COLLECTOR_URL)
  --enrollment-key KEY    the organisation's enrollment key (DEVTRUST_AGENT_ENROLLMENT_KEY)
  --once                  report once and exit (non-zero with one line on failure)
  --data-dir DIR          device key and state (DEVTRUST_AGENT_DATA_DIR)
  --loopback-port N       pin the loopback door to one port
  --identity FILE         use this JSON identity instead of collecting
  --config FILE           a JSON config file
  --log-level LEVEL       info (default), debug, warn, error, silent

  devtrust-agent loopback-cert [--data-dir DIR]
                          make (or reuse) the loopback HTTPS certificate, print its path

  devtrust-agent doctor [--json]
                          for IT support: this device's identity as the agent reads it,
                          beside systeminformation and node-machine-id, disagreements
                          flagged, and what the collector will match on

Managed settings (configuration profile, HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent,
/etc/devtrust/agent.json) win over everything else.
`;

/** devtrust-agent: returns the process exit code. */
export async function main(argv = process.argv.slice(2)): Promise<number> {
  if (argv[0] === 'loopback-cert') return loopbackCertCommand(argv.slice(1));
  if (argv[0] === 'doctor') return doctorCommand(argv.slice(1));
  let config;
  try {
    config = await loadAgentConfig({ argv, managedReader: platformManagedReader() });
  } catch (error) {
    if (error instanceof AgentConfigError) {
      process.stderr.write(`devtrust-agent: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (config.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const log = pino({ level: config.logLevel, base: { service: 'devtrust-agent' } }, pino.destination(2));
  for (const warning of config.warnings) log.warn(warning);
  const dataDir = config.dataDir;
  const agent = new Agent(config, {
    log,
    loopback: !config.once,
    keyStore: platformKeyStore({ dataDir, asSystem: runningAsSystem() }),
    loopbackTls: loopbackTlsProvider(dataDir, log),
  });

  if (config.once) {
    try {
      await agent.runOnce();
      const { endpointId } = agent.status();
      process.stdout.write(`reported to ${config.collectorUrl} as endpoint ${endpointId ?? '?'}\n`);
      return 0;
    } catch (error) {
      const message =
        error instanceof LinkError || error instanceof AgentConfigError ? error.message : `unexpected error: ${(error as Error).message}`;
      process.stderr.write(`devtrust-agent: ${message}\n`);
      return 1;
    }
  }

  try {
    await agent.start();
  } catch (error) {
    process.stderr.write(`devtrust-agent: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  agent.link.on('fatal', (error: LinkError) => {
    process.stderr.write(`devtrust-agent: ${error.message}\n`);
    void agent.stop().then(() => process.exit(1));
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await agent.stop();
  return 0;
}
