import { collectDevice, currentPlatform } from '../collect/index.js';
import { compareIdentity, formatReport } from './compare.js';
import { readNodeMachineId, readSystemInformation } from './libraries.js';

const USAGE = `devtrust-agent doctor [--json]

Prints, for IT support, what this agent reads as the device's identity beside what the
systeminformation and node-machine-id libraries read on the same machine, flags every
disagreement and placeholder, and says which value the collector will match on.
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
  const [collected, si] = await Promise.all([collectDevice(), readSystemInformation()]);
  const report = compareIdentity(currentPlatform(), collected, si, readNodeMachineId());
  const text = json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report);
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  // A systeminformation that timed out may leave its commands running: do not wait for them.
  if (si.error?.includes('did not answer')) process.exit(0);
  return 0;
}
