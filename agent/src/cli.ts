import { pino } from 'pino';
import { CommandLineError, packageVersion } from '@devtrust/shared/cli/command-line';
import { AgentConfigError, loadAgentConfig, parseFlags } from './config/config.js';
import { platformManagedReader } from './config/managed/index.js';
import { Agent } from './core/agent.js';
import { platformKeyStore, runningAsSystem } from './keys/platform-key-store.js';
import { platformDeviceKeyStores } from './keys/select-device-key.js';
import { LinkError } from './link/agent-link.js';
import { EnrolledElsewhereError } from './link/enrolled-elsewhere.js';
import { loopbackTlsProvider } from './loopback/tls.js';

const VERSION = packageVersion(new URL('../package.json', import.meta.url));

const HELP = `devtrust-agent ${VERSION}: the DevTrust agent, headless.

  devtrust-agent --collector URL --enrollment-key-file FILE [options]

  --collector URL            the collector (DEVTRUST_AGENT_COLLECTOR_URL)
  --previous-collector-url URL
                             an earlier URL of this same collector (repeatable;
                             DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS): an enrollment made
                             under it moves to --collector instead of enrolling again
  --enrollment-key-file FILE a file holding the organisation's enrollment key
                             (DEVTRUST_AGENT_ENROLLMENT_KEY_FILE)
  --enrollment-key KEY       the key itself (or DEVTRUST_AGENT_ENROLLMENT_KEY). A flag is
                             visible to every local user in ps: prefer the file or the variable
  --re-enroll                with --collector: this device is enrolled with another
                             collector, and that enrollment may be replaced by a new one
                             (without it the agent refuses, exit 2, and changes nothing)
  --once                     report once, print whether this device is trusted under the
                             collector's policy (and why not), and exit (non-zero with
                             one line on failure; gives up within 5 s)
  --data-dir DIR             device key and state (DEVTRUST_AGENT_DATA_DIR)
  --loopback-port N          pin the loopback door to one port (DEVTRUST_AGENT_LOOPBACK_PORT)
  --identity FILE            use this JSON identity instead of collecting (DEVTRUST_AGENT_IDENTITY)
  --config FILE              a JSON config file (DEVTRUST_AGENT_CONFIG)
  --log-level LEVEL          info (default), debug, warn, error, silent (DEVTRUST_AGENT_LOG_LEVEL)
  --hardware-key auto|off    enroll with a Secure Enclave or TPM key where the machine has one
                             (auto, the default) or always with a software key (off)
                             (DEVTRUST_AGENT_HARDWARE_KEY)
  --version                  print the version
  --help                     this text

  devtrust-agent loopback-cert [--data-dir DIR]
                             make (or reuse) the loopback HTTPS certificate, print its path

  devtrust-agent doctor [--json] [--collector URL] [--data-dir DIR] ...
                          for IT support: this device's identity as the agent reads it,
                          beside systeminformation and node-machine-id, disagreements
                          flagged, what the collector will match on, and whether the
                          next start keeps, moves or renews the enrollment

Managed settings (configuration profile, HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent,
/etc/devtrust/agent.json) win over everything else. Exit codes: 0 done, 1 failed, 2 bad
command line or configuration.
`;

/** `--once`'s verdict line: trusted or not under the collector's policy, and why not. */
export function standingText(answer: Awaited<ReturnType<Agent['runOnce']>>): string {
  if ('error' in answer) return `trust: unknown (the collector did not say: ${answer.error})`;
  const { verdict, access, reasons, assurance } = answer.standing;
  const why = reasons.length > 0 ? `\n${reasons.map((reason) => `  - ${reason}`).join('\n')}` : '';
  // The stronger level is named; "by identifiers" is what trusted meant before it existed.
  const level = assurance === 'mdm_asserted' ? ', MDM-asserted' : '';
  return verdict === 'trusted'
    ? `trusted${level}: this device meets the collector's policy (access ${access})${why}`
    : `not trusted under the collector's policy (access ${access}):${why || ' no reason given'}`;
}

/** devtrust-agent: returns the process exit code. */
export async function main(argv = process.argv.slice(2)): Promise<number> {
  // The subcommands are loaded when asked for: the agent that keeps its session never holds them.
  if (argv[0] === 'loopback-cert') return (await import('./loopback/tls-command.js')).loopbackCertCommand(argv.slice(1));
  if (argv[0] === 'doctor') return (await import('./doctor/command.js')).doctorCommand(argv.slice(1));
  let config;
  try {
    // --help and --version answer before the rest of the configuration is looked at.
    const flags = parseFlags(argv);
    if (flags.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (flags.version) {
      process.stdout.write(`devtrust-agent ${VERSION}\n`);
      return 0;
    }
    config = await loadAgentConfig({ argv, managedReader: platformManagedReader() });
  } catch (error) {
    if (error instanceof AgentConfigError || error instanceof CommandLineError) {
      process.stderr.write(`devtrust-agent: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // --once answers in one line: its connection log stays out of the way unless a level was asked for.
  const levelAsked = argv.some((arg) => arg.startsWith('--log-level')) || !!process.env.DEVTRUST_AGENT_LOG_LEVEL;
  const level = config.once && !levelAsked ? 'warn' : config.logLevel;
  const log = pino({ level, base: { service: 'devtrust-agent' } }, pino.destination(2));
  for (const warning of config.warnings) log.warn(warning);
  const dataDir = config.dataDir;
  const agent = new Agent(config, {
    log,
    loopback: !config.once,
    keyStore: platformKeyStore({ dataDir, asSystem: runningAsSystem() }),
    deviceKeys: platformDeviceKeyStores({ dataDir, asSystem: runningAsSystem(), hardware: config.hardwareKey ?? 'auto' }),
    loopbackTls: loopbackTlsProvider(dataDir, log),
  });

  if (config.once) {
    try {
      const answer = await agent.runOnce();
      const { endpointId } = agent.status();
      process.stdout.write(`reported to ${config.collectorUrl} as endpoint ${endpointId ?? '?'}\n`);
      process.stdout.write(`${standingText(answer)}\n`);
      return 0;
    } catch (error) {
      if (error instanceof EnrolledElsewhereError) {
        process.stderr.write(`devtrust-agent: ${error.message}\n`);
        return 2;
      }
      const message =
        error instanceof LinkError || error instanceof AgentConfigError ? error.message : `unexpected error: ${(error as Error).message}`;
      process.stderr.write(`devtrust-agent: ${message}\n`);
      return 1;
    }
  }

  // Listened for before it starts: a signal sent as soon as its first lines appear (a service
  // manager, a test) must stop it cleanly, not end the process by the signal's default action.
  const stopAsked = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  try {
    await agent.start();
  } catch (error) {
    // A URL that would replace the enrollment is a command line to correct, as for --once.
    if (error instanceof EnrolledElsewhereError) {
      process.stderr.write(`devtrust-agent: ${error.message}\n`);
      await agent.stop();
      return 2;
    }
    process.stderr.write(`devtrust-agent: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  agent.link.on('fatal', (error: LinkError) => {
    process.stderr.write(`devtrust-agent: ${error.message}\n`);
    void agent.stop().then(() => process.exit(1));
  });
  await stopAsked;
  await agent.stop();
  return 0;
}
