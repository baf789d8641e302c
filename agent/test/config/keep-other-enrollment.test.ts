import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { loadAgentConfig } from '@devtrust/agent/config/config';
import type { ManagedSettings } from '@devtrust/agent/config/managed/types';

const managedReader = (settings: ManagedSettings) => async () => ({ settings, source: 'fake MDM' });
const keeps = async (argv: string[], env: NodeJS.ProcessEnv = {}, managed: ManagedSettings = {}): Promise<boolean | undefined> =>
  (await loadAgentConfig({ argv, env, managedReader: managedReader(managed) })).keepOtherEnrollment;

/**
 * Only a collector URL typed as `--collector` holds an enrollment with another collector back
 * (link/enrolled-elsewhere.ts): a flag is typed for one run. What the MDM pushes is IT's
 * decision and moves or re-enrolls as docs/agent.md says; variables and the config file are a
 * service's settings, and the tray app has no flags at all.
 */
describe('keepOtherEnrollment: which runs may not replace an enrollment with another collector', () => {
  it('a --collector flag: kept, unless --re-enroll', async () => {
    assert.equal(await keeps(['--collector', 'https://b.example.com']), true);
    assert.equal(await keeps(['--collector', 'https://b.example.com', '--re-enroll']), false);
  });

  it('a managed collectorUrl wins over the flag, and is IT’s to change: not held back', async () => {
    assert.equal(await keeps(['--collector', 'https://b.example.com'], {}, { collectorUrl: 'https://managed.example.com' }), false);
  });

  it('a variable (a service’s settings, the tray app): as before, not held back', async () => {
    assert.equal(await keeps([], { DEVTRUST_AGENT_COLLECTOR_URL: 'https://b.example.com' }), false);
  });
});
