import path from 'node:path';
import { CommandLineError, parseCommandLine, type FlagSpecs } from '@devtrust/shared/cli/command-line';
import { collectDevice, currentPlatform } from '../collect/index.js';
import { AgentConfigError, AGENT_FLAGS, defaultDataDir, loadAgentConfig, NoCollectorUrlError, parseFlags } from '../config/config.js';
import { platformManagedReader } from '../config/managed/index.js';
import type { ManagedSettingsReader } from '../config/managed/types.js';
import { runningAsSystem } from '../keys/platform-key-store.js';
import { platformDeviceKeyStores } from '../keys/select-device-key.js';
import { StateFile } from '../link/state.js';
import { compareIdentity, formatReport } from './compare.js';
import { diagnoseEnrollment, formatEnrollment } from './enrollment.js';
import { readNodeMachineId, readSystemInformation } from './libraries.js';

const USAGE = `devtrust-agent doctor [--json] [--collector URL] [--previous-collector-url URL]...
                      [--re-enroll] [--data-dir DIR] [--config FILE]

Prints, for IT support, what this agent reads as the device's identity beside what the
systeminformation and node-machine-id libraries read on the same machine, flags every
disagreement and placeholder, says which value the collector will match on, which kind
of device key (Secure Enclave, TPM or software) a new enrollment would use, and why, and
the collector the agent is configured for beside the enrollment it holds: whether its
next start keeps it, moves it from an earlier URL, enrolls again, or (--collector naming
another collector, without --re-enroll) refuses and changes nothing.
The collector settings are read as the agent reads them (managed settings, DEVTRUST_AGENT_*
variables, the flags above): give the agent's own flags to describe a headless agent.
Exit code 0 once the report is printed (what needs a look is in it); 2: bad usage.
`;

/** The agent's flags doctor takes: those that say which collector and which data directory. */
const DOCTOR_FLAGS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  collector: AGENT_FLAGS.collector,
  'previous-collector-url': AGENT_FLAGS['previous-collector-url'],
  're-enroll': AGENT_FLAGS['re-enroll'],
  'data-dir': AGENT_FLAGS['data-dir'],
  config: AGENT_FLAGS.config,
} as const satisfies FlagSpecs;

/** `devtrust-agent doctor`: returns the exit code. */
export async function doctorCommand(argv: string[], managedReader: ManagedSettingsReader = platformManagedReader()): Promise<number> {
  let values;
  const configArgv = argv.filter((arg) => arg !== '--json');
  try {
    ({ values } = parseCommandLine(argv, DOCTOR_FLAGS));
    parseFlags(configArgv); // the agent's own checks of those flags (an empty value)
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    process.stderr.write(`devtrust-agent doctor: ${error.message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const json = values.json === true;
  const config = await configOf(configArgv, managedReader);
  // A bad argument (doctor's own --collector, --previous-collector-url, --config) is a bad
  // command line, as for the agent: one line and exit 2, not a report of "none configured".
  if (config instanceof AgentConfigError) {
    process.stderr.write(`devtrust-agent doctor: ${config.message}\n`);
    return 2;
  }
  const [collected, si, deviceKey, enrollment] = await Promise.all([
    collectDevice(),
    readSystemInformation(),
    newKeyKind(),
    diagnoseEnrollment(await new StateFile(config.dataDir).load(), config),
  ]);
  const report = compareIdentity(currentPlatform(), collected, si, readNodeMachineId());
  const keyLine = `\nDevice key: a new enrollment would use ${deviceKey.kind === 'software' ? 'a software key' : `a ${deviceKey.kind} key`}${deviceKey.why ? ` (${deviceKey.why})` : ''}\n`;
  const text = json
    ? `${JSON.stringify({ ...report, deviceKey, enrollment }, null, 2)}\n`
    : `${formatReport(report)}${keyLine}\n${formatEnrollment(enrollment)}`;
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  // A systeminformation that timed out may leave its commands running: do not wait for them.
  if (si.error?.includes('did not answer')) process.exit(0);
  return 0;
}

type DoctorConfig = {
  dataDir: string;
  collectorUrl: string | null;
  previousCollectorUrls: string[];
  problem: string | null;
  warnings: string[];
  keepOtherEnrollment: boolean;
};

/** The collector configured as the agent would read it; a refused argument is returned, for exit 2. */
async function configOf(argv: string[], managedReader: ManagedSettingsReader): Promise<DoctorConfig | AgentConfigError> {
  try {
    const loaded = await loadAgentConfig({ argv, managedReader });
    return {
      dataDir: loaded.dataDir,
      collectorUrl: loaded.collectorUrl,
      previousCollectorUrls: loaded.previousCollectorUrls ?? [],
      problem: null,
      warnings: loaded.warnings,
      keepOtherEnrollment: loaded.keepOtherEnrollment ?? false,
    };
  } catch (error) {
    if (!(error instanceof AgentConfigError)) throw error;
    if (error.fromCommandLine) return error;
    // A refused setting (managed, a variable, the config file) is what doctor is for: shown,
    // not fatal. The data directory is still read. No collector at all is no fault, only an
    // agent not set up yet (problem null): formatEnrollment says what to do.
    const dataDir = parseFlags(argv).dataDir ?? (process.env.DEVTRUST_AGENT_DATA_DIR || defaultDataDir());
    const problem = error instanceof NoCollectorUrlError ? null : error.message;
    return {
      dataDir: path.resolve(dataDir),
      collectorUrl: null,
      previousCollectorUrls: [],
      problem,
      warnings: [],
      keepOtherEnrollment: false,
    };
  }
}

/** Which kind of device key a new enrollment would get here (select-device-key.ts), without creating one. */
async function newKeyKind(): Promise<{ kind: string; why: string | null }> {
  const { hardware } = platformDeviceKeyStores({ dataDir: defaultDataDir(), asSystem: runningAsSystem() });
  if (hardware === null) return { kind: 'software', why: `no hardware key store on ${process.platform}` };
  const why = await hardware.unavailable();
  return why === null ? { kind: hardware.kind, why: null } : { kind: 'software', why };
}
