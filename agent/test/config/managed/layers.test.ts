import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { loadAgentConfig } from '@devtrust/agent/config/config';
import type { ManagedSettings } from '@devtrust/agent/config/managed/types';

const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-layers-'));
const configFile = path.join(dir, 'agent.json');
writeFileSync(configFile, JSON.stringify({ collectorUrl: 'https://file.example.com', enrollmentKey: 'file-key' }));

const LAYERS = {
  file: { argv: ['--config', configFile], env: {} },
  env: { argv: [], env: { DEVTRUST_AGENT_COLLECTOR_URL: 'https://env.example.com', DEVTRUST_AGENT_ENROLLMENT_KEY: 'env-key' } },
  flags: { argv: ['--collector', 'https://flag.example.com', '--enrollment-key', 'flag-key'], env: {} },
};
type Layer = keyof typeof LAYERS;

function combine(layers: Layer[]) {
  return {
    argv: layers.flatMap((layer) => LAYERS[layer].argv),
    env: Object.assign({}, ...layers.map((layer) => LAYERS[layer].env)) as NodeJS.ProcessEnv,
  };
}

const managedReader = (settings: ManagedSettings) => async () => ({ settings, source: 'fake MDM' });

describe('configuration layers', () => {
  // Every non-empty combination of user-controlled layers, with and without managed settings.
  const combos: Layer[][] = [['file'], ['env'], ['flags'], ['file', 'env'], ['file', 'flags'], ['env', 'flags'], ['file', 'env', 'flags']];

  for (const layers of combos) {
    it(`managed settings win over ${layers.join(' + ')}`, async () => {
      const config = await loadAgentConfig({
        ...combine(layers),
        managedReader: managedReader({ collectorUrl: 'https://managed.example.com', enrollmentKey: 'managed-key' }),
      });
      assert.equal(config.collectorUrl, 'https://managed.example.com');
      assert.equal(config.enrollmentKey, 'managed-key');
      assert.deepEqual(config.managedKeys.sort(), ['collectorUrl', 'enrollmentKey']);
    });

    it(`without managed settings, ${layers.join(' + ')}: the later layer wins (file < env < flags)`, async () => {
      const config = await loadAgentConfig({ ...combine(layers), managedReader: managedReader({}) });
      const winner = layers[layers.length - 1] as Layer;
      assert.equal(config.collectorUrl, `https://${winner === 'flags' ? 'flag' : winner}.example.com`);
      assert.equal(config.enrollmentKey, `${winner === 'flags' ? 'flag' : winner}-key`);
      assert.deepEqual(config.managedKeys, []);
    });
  }

  it('a managed key wins alone; the keys it does not set still come from the user layers', async () => {
    const config = await loadAgentConfig({
      ...combine(['file', 'env', 'flags']),
      managedReader: managedReader({ enrollmentKey: 'managed-key' }),
    });
    assert.equal(config.collectorUrl, 'https://flag.example.com');
    assert.equal(config.enrollmentKey, 'managed-key');
  });

  it('a broken managed source is a warning, not a stop; the user layers apply', async () => {
    const config = await loadAgentConfig({
      ...combine(['flags']),
      managedReader: async () => ({
        settings: {},
        source: 'HKLM\\SOFTWARE\\Policies\\DevTrust\\Agent',
        problem: 'reg query failed: Access is denied.',
      }),
    });
    assert.equal(config.collectorUrl, 'https://flag.example.com');
    assert.deepEqual(config.warnings, ['managed settings: reg query failed: Access is denied.']);
  });

  it('a managed collector URL that is not http(s) stops start-up naming the managed key', async () => {
    await assert.rejects(
      loadAgentConfig({ ...combine(['flags']), managedReader: managedReader({ collectorUrl: 'ftp://x.example.com' }) }),
      /managed collectorUrl: must be an http\(s\) URL/,
    );
  });

  it('managed disallowQuit reaches the config (for the tray)', async () => {
    const config = await loadAgentConfig({ ...combine(['flags']), managedReader: managedReader({ disallowQuit: true }) });
    assert.equal(config.managed.disallowQuit, true);
  });
});
