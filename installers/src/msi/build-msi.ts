import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTrustLoopbackPs1 } from '../intune/detect-ps1.js';
import { buildWxs, readAgentTree, TRUST_SCRIPT } from './wxs.js';

/** Debian's msitools ships wixl here; other Linux build hosts put it on PATH. */
export const WIXL_CANDIDATES = ['/usr/bin/wixl', '/usr/local/bin/wixl'];

export class MsiBuildError extends Error {}

function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, shell: false, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** Builds FILE.msi from the agent dir with wixl; returns the WiX source it used. */
export async function buildMsi(options: { agentDir: string; out: string; version: string; wixl: string }): Promise<string> {
  const tree = await readAgentTree(options.agentDir);
  const work = await mkdtemp(path.join(tmpdir(), 'devtrust-msi-'));
  // wixl opens sources relative to the agent dir only: reach the script in the work dir from there.
  const wxs = buildWxs(tree, options.version, {
    trustScript: path.relative(path.resolve(options.agentDir), path.join(work, TRUST_SCRIPT)),
  });
  try {
    const source = path.join(work, 'DevTrust.wxs');
    await writeFile(source, wxs);
    // The loopback-trust script, unfilled: installed, it reads the collector the MSI set.
    await writeFile(path.join(work, TRUST_SCRIPT), await buildTrustLoopbackPs1(null));
    const result = await run(options.wixl, ['-v', '-a', 'x64', '-o', path.resolve(options.out), source], path.resolve(options.agentDir));
    if (result.code !== 0) throw new MsiBuildError(`wixl failed: ${result.output.trim().split('\n').slice(-3).join(' | ')}`);
    return wxs;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
