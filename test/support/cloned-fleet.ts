import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from './agent.js';
import { csvInventory } from './app.js';
import { startTestCollector, type TestCollector } from './collector.js';

/**
 * A trial fleet re-imaged as the README's newcomer did it, on a collector with the default quiet
 * period (30 minutes): one disk image on three machines without a new MachineGuid, the first copy
 * trusted (inventory) and still reporting; a laptop re-imaged seconds ago (`too-recent`); and one
 * whose old key reported after its new key enrolled (`predecessor-still-reporting`).
 */
export interface ClonedFleet {
  c: TestCollector;
  agents: TestAgent[];
  /** Endpoint ids: image1 (the holder), image2 and image3 (its pending copies), oldA/newA, oldB/newB. */
  ids: Record<string, string>;
  stop(): Promise<void>;
}

/** The disk image: what every copy reports. */
export const IMAGE: DeviceIdentity = {
  platform: 'linux',
  hostname: 'lab-image',
  serialNumber: 'LAB-IMAGE-1',
  machineGuid: '3f2a1c0e-7b6d-4e5f-8a9b-0c1d2e3f4a5b',
};

const laptop = (letter: string): DeviceIdentity => ({
  platform: 'windows',
  hostname: `wks-${letter.toLowerCase()}`,
  serialNumber: `REIMAGED-${letter}`,
  machineGuid: `6f1b0c1e-9a44-4d1b-8a61-0c0ffee0a00${letter}`,
});

export async function startClonedFleet(): Promise<ClonedFleet> {
  const c = await startTestCollector({ scheduler: false });
  const agents: TestAgent[] = [];
  const ids: Record<string, string> = {};
  const enroll = async (name: string, identity: DeviceIdentity): Promise<TestAgent> => {
    const started = await startTestAgent(c.url, identity);
    agents.push(started);
    ids[name] = started.agent.status().endpointId as string;
    return started;
  };
  /** A report from `agent` after endpoint `name` enrolled: its key is still in use. */
  const reportAfter = async (agent: TestAgent, name: string): Promise<void> => {
    const enrolled = (await c.admin('GET', `/admin/v1/endpoints/${ids[name]}`)).body.enrolledAt as number;
    while (Date.now() <= enrolled) await new Promise((resolve) => setTimeout(resolve, 2));
    await agent.agent.reportNow();
  };
  await csvInventory(c, `serial_number,device_name,platform\n${IMAGE.serialNumber},lab-image,linux\n`, { platforms: ['linux'] });
  const image1 = await enroll('image1', IMAGE);
  await enroll('image2', IMAGE);
  await enroll('image3', IMAGE);
  await reportAfter(image1, 'image3');
  // Re-imaged: the old key's agent went with the old disk (a connected holder is in use).
  const oldA = await enroll('oldA', laptop('A'));
  await oldA.stop();
  agents.splice(agents.indexOf(oldA), 1);
  await enroll('newA', laptop('A'));
  const oldB = await enroll('oldB', laptop('B'));
  await enroll('newB', laptop('B'));
  await reportAfter(oldB, 'newB');
  return {
    c,
    agents,
    ids,
    async stop() {
      for (const agent of agents) await agent.stop();
      await c.stop();
    },
  };
}
