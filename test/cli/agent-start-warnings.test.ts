import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { BINS } from '../support/bin.js';
import { ENROLLMENT_KEY } from '../support/credentials.js';
import { spawnProcess, type Spawned } from './spawned.js';

/** The agent's pino lines (JSON on stderr). */
function logEntries(text: string): { level?: number; msg?: string }[] {
  return text.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as unknown;
      return typeof entry === 'object' && entry !== null ? [entry as { level?: number; msg?: string }] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The headless agent says each thing it warns about at start once: the settings it adjusted
 * (a collector URL with a path, a key file others can read) and what this platform lacks (on
 * Linux no store to trust a loopback certificate in, so the door serves plain HTTP). A warning
 * said twice reads as two problems.
 */
describe('devtrust-agent start-up warnings', () => {
  let agent: Spawned | null = null;
  let dir: string;
  afterEach(async () => {
    await agent?.stop('SIGKILL');
    agent = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('each start-up warning is printed once', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-agent-warnings-'));
    const keyFile = path.join(dir, 'enrollment.key');
    writeFileSync(keyFile, `${ENROLLMENT_KEY}\n`);
    chmodSync(keyFile, 0o644);
    // Not a loopback collector, so the door's TLS matters; .invalid never resolves, so the agent
    // stays at "cannot reach" and nothing after start-up adds lines.
    agent = spawnProcess(process.execPath, [
      BINS['devtrust-agent'],
      '--collector',
      'https://devtrust.invalid/console',
      '--enrollment-key-file',
      keyFile,
      '--data-dir',
      path.join(dir, 'data'),
      '--loopback-port',
      '0',
    ]);
    for (let i = 0; i < 600 && !/cannot reach the collector/.test(agent.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(agent.stderr(), /cannot reach the collector/);
    assert.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
    const warnings = logEntries(agent.stderr())
      .filter((e) => e.level === 40)
      .map((e) => String(e.msg));
    assert.ok(
      warnings.some((w) => /is more than a collector's address/.test(w)),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.some((w) => /is readable by other users/.test(w)),
      warnings.join('\n'),
    );
    if (process.platform === 'linux')
      assert.ok(
        warnings.some((w) => /no loopback certificate/.test(w)),
        warnings.join('\n'),
      );
    assert.deepEqual(warnings, [...new Set(warnings)], 'a warning printed more than once');
  });
});
