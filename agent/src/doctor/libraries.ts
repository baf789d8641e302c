import { createRequire } from 'node:module';
import type { NodeMachineIdValue, SystemInformationValues } from './compare.js';

/**
 * The two identity libraries doctor asks for a second opinion. They run only here: the
 * values the agent reports come from its own probes on the allowlisted runner, because
 * systeminformation spawns shell commands of its own (and can hang on a slow WMI or
 * dmidecode) and node-machine-id's Windows reader parses reg.exe's English output.
 */

const require = createRequire(import.meta.url);

/** systeminformation spawns commands that can hang: doctor waits this long, then says so. */
export const SYSTEMINFORMATION_TIMEOUT_MS = 20_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const nonEmpty = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

export async function readSystemInformation(timeoutMs = SYSTEMINFORMATION_TIMEOUT_MS): Promise<SystemInformationValues> {
  try {
    const si = require('systeminformation') as typeof import('systeminformation');
    const [system, os, interfaces] = await withTimeout(
      Promise.all([si.system(), si.osInfo(), si.networkInterfaces()]),
      timeoutMs,
      'systeminformation',
    );
    const list = Array.isArray(interfaces) ? interfaces : [interfaces];
    return {
      uuid: nonEmpty(system.uuid),
      serial: nonEmpty(system.serial),
      hostname: nonEmpty(os.hostname),
      fqdn: nonEmpty(os.fqdn),
      macs: list.filter((i) => !i.internal && !i.virtual && nonEmpty(i.mac)).map((i) => ({ iface: i.iface, mac: i.mac })),
    };
  } catch (error) {
    return { uuid: null, serial: null, hostname: null, fqdn: null, macs: [], error: (error as Error).message };
  }
}

/** `machineIdSync(true)`: the original value, not node-machine-id's default SHA-256 of it. */
export function readNodeMachineId(): NodeMachineIdValue {
  try {
    const { machineIdSync } = require('node-machine-id') as typeof import('node-machine-id');
    return { value: nonEmpty(machineIdSync(true)) };
  } catch (error) {
    // Its Windows reader throws reg.exe's own words (DisableRegistryTools, a localized denial).
    const message = (error as Error).message.split(/\r?\n/).find((line) => line.trim() !== '') ?? String(error);
    return { value: null, error: message.trim().slice(0, 200) };
  }
}
