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
    // From the variable or the config file, the message names that layer (the file by its name).
    await assert.rejects(
      loadAgentConfig({ argv: base, env: { DEVTRUST_AGENT_HARDWARE_KEY: 'on' } }),
      (error: unknown) =>
        error instanceof AgentConfigError && error.message === 'DEVTRUST_AGENT_HARDWARE_KEY: "on" is not one of auto, off',
    );
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-hwkey-')), 'agent.json');
    writeFileSync(file, JSON.stringify({ hardwareKey: 'on', loopbackPort: 70000 }));
    await assert.rejects(
      loadAgentConfig({ argv: [...base, '--config', file, '--loopback-port', '53100'], env: {} }),
      (error: unknown) => error instanceof AgentConfigError && error.message === `hardwareKey in ${file}: "on" is not one of auto, off`,
    );
    await assert.rejects(
      loadAgentConfig({ argv: [...base, '--config', file], env: {} }),
      (error: unknown) => error instanceof AgentConfigError && error.message === `loopbackPort in ${file}: "70000" is not a port number`,
    );
  });
});
