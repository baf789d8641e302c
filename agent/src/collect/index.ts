import type { DeviceIdentity, EdrConnector, Posture } from '@devtrust/shared/identity';
import { unsafeCharacter, unsafeMachineCharacter, withUnsafeAsSpaces } from '@devtrust/shared/identity/unsafe-text';
import { runAllowed, type CommandRunner } from '../platform/exec.js';
import { createHost, type CollectHost, type CollectPlatform, type FileAccess } from './host.js';
import { linuxProbes } from './linux/index.js';
import { macosProbes } from './macos/index.js';
import { missing, PROBE_NAMES, type Collected, type ProbeName, type ProbeResult, type ProbeSet, type ProbeValues } from './probe.js';
import { windowsProbes } from './windows/index.js';

/** Each OS's probes, behind the one `collectDevice` function (Tailscale's posture/ layout). */
export const PROBE_SETS: Record<CollectPlatform, ProbeSet> = {
  windows: windowsProbes,
  macos: macosProbes,
  linux: linuxProbes,
};

export interface CollectOptions {
  /** Which OS's probes to run; defaults to this machine's. */
  platform?: CollectPlatform;
  /** Runs allowlisted commands; tests pass one that answers from recorded output. */
  runner?: CommandRunner;
  /** Reads files; tests pass a fixture map. */
  files?: FileAccess;
  /** The OS hostname fallback; defaults to os.hostname(). */
  osHostname?: () => string;
}

export function currentPlatform(platform: NodeJS.Platform = process.platform): CollectPlatform {
  return platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : 'linux';
}

/** The report schema caps identity strings and reasons at 256 characters: a longer value is dropped with a reason. */
const MAX_TEXT = 256;

type Results = { [K in ProbeName]: ProbeResult<ProbeValues[K]> };

async function runProbes(probes: ProbeSet, host: CollectHost): Promise<Results> {
  // Probes never throw by contract; the catch keeps one broken probe from losing the pass.
  const settled = await Promise.all(
    PROBE_NAMES.map((name) =>
      (probes[name] as (h: CollectHost) => Promise<ProbeResult<unknown>>)(host).catch((error: unknown) =>
        missing(`probe failed: ${String(error)}`),
      ),
    ),
  );
  return Object.fromEntries(PROBE_NAMES.map((name, i) => [name, settled[i]])) as Results;
}

/** Probes whose text is shown to people: the collector refuses control and bidi characters in them. */
const SHOWN_TEXT = new Set<string>(['hostname', 'osVersion', 'osBuild', 'hardwareUuid', 'serialNumber', 'machineGuid']);
const MACHINE_TEXT = new Set<string>(['hostname', 'hardwareUuid', 'serialNumber', 'machineGuid']);

/** Turns probe results into the report: values where found, reasons in `probeErrors`. */
export function assemble(platform: CollectPlatform, results: Results): Collected {
  const probeErrors: Record<string, string> = {};
  const take = <K extends ProbeName>(name: K): ProbeValues[K] | undefined => {
    const result = results[name];
    if (!result.ok) {
      probeErrors[name] = result.reason;
      return undefined;
    }
    if (typeof result.value === 'string' && result.value.length > MAX_TEXT) {
      probeErrors[name] = `value longer than ${MAX_TEXT} characters`;
      return undefined;
    }
    // The collector refuses a report whose hostname, OS version or identifiers carry control or
    // bidi characters (they are shown to people); left out with the reason, the rest still counts.
    // Hostname and identifiers are machine text: no joiners or variation selectors either (unsafe-text.ts).
    const check = MACHINE_TEXT.has(name) ? unsafeMachineCharacter : unsafeCharacter;
    const unsafe = SHOWN_TEXT.has(name) && typeof result.value === 'string' ? check(result.value) : null;
    if (unsafe) {
      probeErrors[name] = `value contains ${unsafe}, a control or bidirectional character`;
      return undefined;
    }
    return result.value;
  };
  const identity: DeviceIdentity = { platform };
  for (const name of ['hardwareUuid', 'serialNumber', 'machineGuid', 'hostname', 'osVersion'] as const) {
    const value = take(name);
    if (value !== undefined) identity[name] = value;
  }
  const macs = take('macAddresses');
  if (macs !== undefined) {
    const safe = macs.filter((mac) => unsafeMachineCharacter(mac) === null);
    if (safe.length < macs.length) probeErrors.macAddresses = 'left out MAC addresses with a control or bidirectional character';
    identity.macAddresses = safe.slice(0, 64);
  }
  const edr = take('edr');
  if (edr !== undefined) identity.edr = edr.connectors.map(displaySafeConnector);
  for (const [vendor, note] of Object.entries(edr?.notes ?? {})) probeErrors[`edr.${vendor}`] = note;
  const posture: Posture = {};
  for (const name of ['diskEncryption', 'firewall', 'screenLock', 'passwordSet'] as const) {
    const value = take(name);
    if (value !== undefined) posture[name] = value;
  }
  const osBuild = take('osBuild');
  if (osBuild !== undefined) posture.osBuild = osBuild;
  // The report schema caps each reason too; a cut reason still says what went wrong first.
  // Reasons quote command output, which may hold newlines: shown in the console, so as spaces.
  for (const [name, reason] of Object.entries(probeErrors)) {
    const safe = withUnsafeAsSpaces(reason);
    probeErrors[name] = safe.length > MAX_TEXT ? `${safe.slice(0, MAX_TEXT - 1)}…` : safe;
  }
  return { identity, posture, probeErrors };
}

/** An EDR connector without the ID or details the collector would refuse as display text. */
function displaySafeConnector(connector: EdrConnector): EdrConnector {
  const { connectorId, details, ...rest } = connector;
  const safeDetails = Object.entries(details ?? {}).filter(
    ([key, value]) => unsafeCharacter(key) === null && (typeof value !== 'string' || unsafeCharacter(value) === null),
  );
  return {
    ...rest,
    ...(connectorId !== undefined && unsafeCharacter(connectorId) === null ? { connectorId } : {}),
    ...(details !== undefined ? { details: Object.fromEntries(safeDetails) } : {}),
  };
}

/**
 * Collects this device's identity, EDR connectors and posture through the per-OS
 * probes. Never throws: whatever a probe could not read is named in `probeErrors`.
 */
export async function collectDevice(options: CollectOptions = {}): Promise<Collected> {
  const platform = options.platform ?? currentPlatform();
  const runner = options.runner ?? runAllowed;
  const host = createHost({
    platform,
    runner,
    ...(options.files ? { files: options.files } : {}),
    ...(options.osHostname ? { osHostname: options.osHostname } : {}),
  });
  return assemble(platform, await runProbes(PROBE_SETS[platform], host));
}
