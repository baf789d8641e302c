import { collectDevice, currentPlatform } from '../collect/index.js';
import { defaultDataDir } from '../config/config.js';
import { runningAsSystem } from '../keys/platform-key-store.js';
import { platformDeviceKeyStores } from '../keys/select-device-key.js';
import { compareIdentity, formatReport } from './compare.js';
import { readNodeMachineId, readSystemInformation } from './libraries.js';

const USAGE = `devtrust-agent doctor [--json]

Prints, for IT support, what this agent reads as the device's identity beside what the
systeminformation and node-machine-id libraries read on the same machine, flags every
disagreement and placeholder, says which value the collector will match on, and which kind
of device key (Secure Enclave, TPM or software) a new enrollment would use, and why.
Exit code 0 once the report is printed (what needs a look is in it); 2: bad usage.
`;

/** `devtrust-agent doctor`: returns the exit code. */
export async function doctorCommand(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const unknown = argv.find((arg) => arg !== '--json');
  if (unknown === '--help' || unknown === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (unknown !== undefined) {
    process.stderr.write(`devtrust-agent doctor: unknown argument ${unknown} (see --help)\n`);
    return 2;
  }
  const [collected, si, deviceKey] = await Promise.all([collectDevice(), readSystemInformation(), newKeyKind()]);
  const report = compareIdentity(currentPlatform(), collected, si, readNodeMachineId());
  const keyLine = `\nDevice key: a new enrollment would use ${deviceKey.kind === 'software' ? 'a software key' : `a ${deviceKey.kind} key`}${deviceKey.why ? ` (${deviceKey.why})` : ''}\n`;
  const text = json ? `${JSON.stringify({ ...report, deviceKey }, null, 2)}\n` : `${formatReport(report)}${keyLine}`;
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  // A systeminformation that timed out may leave its commands running: do not wait for them.
  if (si.error?.includes('did not answer')) process.exit(0);
  return 0;
}

/** Which kind of device key a new enrollment would get here (select-device-key.ts), without creating one. */
async function newKeyKind(): Promise<{ kind: string; why: string | null }> {
  const { hardware } = platformDeviceKeyStores({ dataDir: defaultDataDir(), asSystem: runningAsSystem() });
  if (hardware === null) return { kind: 'software', why: `no hardware key store on ${process.platform}` };
  const why = await hardware.unavailable();
  return why === null ? { kind: hardware.kind, why: null } : { kind: 'software', why };
}
