import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const BINS = {
  'devtrust-agent': path.join(ROOT, 'agent/bin/devtrust-agent.js'),
  'devtrust-collector': path.join(ROOT, 'collector/bin/devtrust-collector.js'),
  devtrustctl: path.join(ROOT, 'collector/bin/devtrustctl.js'),
  'devtrust-installers': path.join(ROOT, 'installers/bin/devtrust-installers.js'),
} as const;

/**
 * Runs one of the shipped binaries (the compiled build, as `node_modules/.bin` would:
 * `npm test` builds first) and collects its output.
 */
export function runBin(
  bin: keyof typeof BINS,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BINS[bin], ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
