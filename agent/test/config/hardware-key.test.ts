import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { AgentConfigError, loadAgentConfig } from '@devtrust/agent/config/config';

const base = ['--collector', 'https://c.example.com'];

describe('the hardware key setting', () => {
  it('defaults to auto; file < environment < flag', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-hwcfg-')), 'agent.json');
    writeFileSync(file, JSON.stringify({ hardwareKey: 'off' }));
    assert.equal((await loadAgentConfig({ argv: base, env: {} })).hardwareKey, 'auto');
    assert.equal((await loadAgentConfig({ argv: [...base, '--config', file], env: {} })).hardwareKey, 'off');
    assert.equal(
      (await loadAgentConfig({ argv: [...base, '--config', file], env: { DEVTRUST_AGENT_HARDWARE_KEY: 'auto' } })).hardwareKey,
      'auto',
    );
    assert.equal(
      (await loadAgentConfig({ argv: [...base, '--hardware-key', 'off'], env: { DEVTRUST_AGENT_HARDWARE_KEY: 'auto' } })).hardwareKey,
      'off',
    );
  });

  it('refuses anything but auto or off, naming the setting', async () => {
    for (const value of ['on', 'require', 'AUTO']) {
      await assert.rejects(
        loadAgentConfig({ argv: [...base, '--hardware-key', value], env: {} }),
        (error: unknown) => error instanceof AgentConfigError && error.message === `--hardware-key: "${value}" is not one of auto, off`,
      );
    }
  });
});
