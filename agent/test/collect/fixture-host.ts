import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandRunner, ExecFailure, ExecResult } from '../../src/platform/exec.js';
import type { FileAccess } from '../../src/collect/host.js';
import { INVENTORY_ENCODED } from '../../src/collect/windows/inventory.js';
import { decodeOutput } from '../../src/platform/decode.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** One recorded command: file names (relative to the machine folder) for its output, or how it failed. */
interface RecordedCommand {
  stdout?: string;
  stderr?: string;
  code?: number;
  fail?: ExecFailure;
}

/** How a call is written in commands.json: the command name and its arguments, the PowerShell script abbreviated. */
export function commandKey(name: string, args: readonly string[]): string {
  return [name, ...args.map((arg) => (arg === INVENTORY_ENCODED ? '<inventory.ps1>' : arg))].join(' ');
}

export interface FixtureMachine {
  name: string;
  dir: string;
  runner: CommandRunner;
  files: FileAccess;
  /** Calls no recording covers: a test fails on any, so fixtures and probes stay in step. */
  unexpected: string[];
  expected: any;
}

export function machines(os: 'windows' | 'macos'): string[] {
  return readdirSync(path.join(FIXTURES, os))
    .filter((name) => !name.includes('.'))
    .sort();
}

/**
 * A runner and file map answering from a machine's recorded output. `overrides`
 * replaces single commands (a PowerShell that timed out, an ioreg that failed).
 */
export function loadMachine(os: 'windows' | 'macos', name: string, overrides: Record<string, ExecResult> = {}): FixtureMachine {
  const dir = path.join(FIXTURES, os, name);
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  const commands = JSON.parse(read('commands.json')) as Record<string, RecordedCommand>;
  const fileMap = JSON.parse(read('files.json')) as Record<string, string>;
  const unexpected: string[] = [];
  // Output files hold the bytes the command wrote; they are decoded as the real runner decodes them.
  const output = (file: string, codePage?: number) => decodeOutput(readFileSync(path.join(dir, file)), codePage);
  const runner: CommandRunner = async (command, args, options) => {
    const key = commandKey(command, args);
    const override = overrides[key];
    if (override) return override;
    const recorded = commands[key];
    if (!recorded) {
      unexpected.push(key);
      return { ok: false, kind: 'failed', reason: `no recording for "${key}"` };
    }
    if (recorded.fail) return { ok: false, kind: recorded.fail, reason: `${command} ${recorded.fail}` };
    return {
      ok: true,
      code: recorded.code ?? 0,
      stdout: recorded.stdout ? output(recorded.stdout, options?.codePage) : '',
      stderr: recorded.stderr ? output(recorded.stderr, options?.codePage) : '',
    };
  };
  const files: FileAccess = {
    async readText(file) {
      const fixture = fileMap[file];
      return fixture ? { ok: true, value: read(fixture) } : { ok: false, kind: 'missing', reason: `${file} does not exist` };
    },
    async listDir(dirPath) {
      return { ok: false, kind: 'missing', reason: `${dirPath} does not exist` };
    },
    async exists(file) {
      return Object.hasOwn(fileMap, file);
    },
    async realpath(file) {
      return { ok: false, kind: 'missing', reason: `${file} does not exist` };
    },
  };
  return { name, dir, runner, files, unexpected, expected: JSON.parse(read('expected.json')) };
}

/**
 * A machine's recorded PowerShell inventory with some registry entries replaced (an error
 * in another language, a key that is absent), as the runner would return it.
 */
export function inventoryWith(machine: string, registry: Record<string, unknown>, sections: Record<string, unknown> = {}): ExecResult {
  const file = path.join(FIXTURES, 'windows', machine, 'powershell-inventory.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  Object.assign(json, sections);
  json.registry = { ...json.registry, ...registry };
  return { ok: true, code: 0, stdout: JSON.stringify(json, null, 2), stderr: '' };
}
