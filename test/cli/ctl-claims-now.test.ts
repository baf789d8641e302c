import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * A pending endpoint's claims are what it claimed when it enrolled; what approving or releasing
 * does depends on who holds its identifiers now. `GET /admin/v1/endpoints/:id` answers both
 * (`claimsNow`, `waiting`), and devtrustctl's approve warning and release guard read them,
 * through the built binary against a real collector and real agents.
 */
describe('what a pending endpoint claims against now, and who waits on a holder', () => {
  let c: TestCollector;
  const agents: TestAgent[] = [];
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  const device = (n: number) => ({
    platform: 'windows' as const,
    hostname: `wks-now-${n}`,
    serialNumber: `CTL-NOW-${n}`,
    machineGuid: `6f1b0c1e-9a44-4d1b-8a61-0c0ffee0${String(n).padStart(4, '0')}`,
  });
  const enroll = async (identity: ReturnType<typeof device>): Promise<TestAgent & { id: string }> => {
    const started = await startTestAgent(c.url, identity);
    agents.push(started);
    return Object.assign(started, { id: started.agent.status().endpointId as string });
  };
  const shown = async (id: string) => (await c.admin('GET', `/admin/v1/endpoints/${id}`)).body;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await c.stop();
  });

  it('a holder still reporting after a copy enrolled is not released without --yes; the holder shows who waits on it', async () => {
    const real = await enroll(device(1));
    const copy = await enroll(device(1));
    assert.equal((await shown(copy.id)).approval, 'pending');
    // The real device goes on reporting after its copy enrolled (a later millisecond).
    const enrolled = (await shown(copy.id)).enrolledAt as number;
    while (Date.now() <= enrolled) await new Promise((resolve) => setTimeout(resolve, 2));
    await real.agent.reportNow();

    const holder = await shown(real.id);
    assert.equal(holder.waiting.count, 1);
    assert.deepEqual(
      holder.waiting.first.map((w: { id: string; hostname: string }) => [w.id, w.hostname]),
      [[copy.id, 'wks-now-1']],
    );

    const refused = await ctl('endpoint', 'release', real.id);
    assert.equal(refused.code, 1, refused.stdout);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, new RegExp(`^devtrustctl: nothing done: ${real.id} "wks-now-1" has reported since ${copy.id}`));
    assert.match(refused.stderr, /copy of its disk image/);
    assert.match(refused.stderr, /To go ahead anyway, run it again with --yes\.$/m);
    assert.equal((await shown(real.id)).releasedAt, null, 'nothing was released');
    assert.equal((await shown(copy.id)).approval, 'pending');

    const forced = await ctl('endpoint', 'release', real.id, '--yes');
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`^freed: ${copy.id}$`, 'm'));
  });

  it('a blocked holder with endpoints waiting on it is not released without --yes: deny is the advice', async () => {
    const stolen = await enroll(device(2));
    await stolen.stop();
    assert.equal((await ctl('endpoint', 'block', stolen.id)).code, 0);
    const reinstall = await enroll(device(2));

    const refused = await ctl('endpoint', 'release', stolen.id);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(`${stolen.id} "wks-now-2" is blocked, and ${reinstall.id} "wks-now-2" waits on its identifiers`),
    );
    assert.match(
      refused.stderr,
      new RegExp(
        `deny ${reinstall.id} instead; release it only if the device was recovered and re-imaged\\. To go ahead anyway, run it again with --yes\\.$`,
        'm',
      ),
    );
    assert.equal((await shown(stolen.id)).releasedAt, null);
    assert.equal((await shown(reinstall.id)).approval, 'pending');
  });

  it('a re-imaged laptop: the old key stopped before the new one enrolled, and is released without asking', async () => {
    const old = await enroll(device(3));
    await old.stop();
    const reimaged = await enroll(device(3));
    const released = await ctl('endpoint', 'release', old.id);
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stdout, new RegExp(`^freed: ${reimaged.id}$`, 'm'));
  });

  it('after its holder was forgotten and the device enrolled again, approving a copy warns of the new key, not the forgotten one', async () => {
    const real = await enroll(device(4));
    const copy = await enroll(device(4));
    await real.stop();
    assert.equal((await ctl('endpoint', 'forget', real.id)).code, 0);
    // The device's agent enrolls again under a new key: it binds the identifiers the forget freed.
    const again = await enroll(device(4));
    assert.equal((await shown(again.id)).approval, null);

    const pending = await shown(copy.id);
    assert.deepEqual(
      pending.approvalClaims.map((claim: { heldBy: string[] }) => claim.heldBy),
      [[real.id], [real.id]],
      'the claims it enrolled with name the forgotten key',
    );
    assert.deepEqual(
      pending.claimsNow.map((claim: { kind: string; heldBy: string[] }) => [claim.kind, claim.heldBy]),
      [
        ['serialNumber', [again.id]],
        ['machineGuid', [again.id]],
      ],
    );

    // The device's new key is what the copy waits on now: releasing it asks first (a reviewer released
    // it unasked, the caution reading the claims the copy enrolled with, which name the forgotten key).
    const holder = await shown(again.id);
    assert.deepEqual(
      holder.waiting.first.map((w: { id: string }) => w.id),
      [copy.id],
    );
    assert.equal(holder.releaseCaution?.reason, 'holder-still-reporting');
    const refused = await ctl('endpoint', 'release', again.id);
    assert.equal(refused.code, 1, refused.stdout);
    assert.equal((await shown(again.id)).releasedAt, null);

    const approved = await ctl('endpoint', 'approve', copy.id);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(
      approved.stderr,
      new RegExp(`^devtrustctl: warning: ${again.id} holds serialNumber CTLNOW4, machineGuid \\S+ and is neither`, 'm'),
    );
    assert.doesNotMatch(approved.stderr, new RegExp(real.id));
  });

  it('approving what a blocked endpoint holds asks for --yes first: the thief reinstalling the agent on a stolen laptop', async () => {
    const stolen = await enroll(device(6));
    await stolen.stop();
    assert.equal((await ctl('endpoint', 'block', stolen.id)).code, 0);
    const thief = await enroll(device(6));
    assert.equal((await shown(thief.id)).approveCaution?.reason, 'holder-blocked');

    const refused = await ctl('endpoint', 'approve', thief.id);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(
      refused.stderr,
      new RegExp(
        `^devtrustctl: nothing done: ${stolen.id} "wks-now-6" holds serial number CTLNOW6, MachineGuid \\S+ and is blocked: .+ deny it\\.`,
      ),
    );
    assert.equal((await shown(thief.id)).approval, 'pending');
    const forced = await ctl('endpoint', 'approve', thief.id, '--yes');
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await shown(thief.id)).approval, 'approved');
  });

  it('an endpoint it cannot read to check is neither released nor approved; "." and ".." are no endpoint ids', async () => {
    const real = await enroll(device(7));
    // A proxy in front of the collector that fails the reads (a timeout, an overloaded upstream)
    // and passes every other request on.
    const posted: string[] = [];
    const proxy = createServer((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"UPSTREAM","message":"busy"}}');
        return;
      }
      posted.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const via = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: url, DEVTRUST_API_KEY: OWNER_TOKEN } });
      for (const verb of ['release', 'approve']) {
        const refused = await via('endpoint', verb, real.id);
        assert.equal(refused.code, 1, refused.stdout);
        assert.match(
          refused.stderr,
          new RegExp(`^devtrustctl: nothing done: could not read ${real.id} to check what this risks \\(503 UPSTREAM\\)`),
        );
      }
      assert.deepEqual(posted, []);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
    // Every command that puts an argument in a URL path refuses them the same way.
    const block = await ctl('endpoint', 'block', '..');
    assert.equal(block.code, 2, block.stderr);
    assert.match(block.stderr, /"\.\." is not an endpoint id/);
    for (const id of ['.', '..']) {
      const refused = await ctl('endpoint', 'release', id);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, new RegExp(`"\\${id.split('').join('\\')}" is not an endpoint id`));
    }
  });

  it('after a copy was given its own MachineGuid, it claims nothing now and approving it warns of nothing', async () => {
    const real = await enroll(device(5));
    const copy = await enroll({ ...device(5), serialNumber: 'CTL-NOW-5B', hostname: 'wks-now-5b' });
    assert.equal((await shown(copy.id)).approval, 'pending');
    copy.setIdentity({
      ...device(5),
      serialNumber: 'CTL-NOW-5B',
      hostname: 'wks-now-5b',
      machineGuid: '0d3a5c7e-1111-4222-8333-944455556666',
    });
    await copy.agent.reportNow();

    const pending = await shown(copy.id);
    assert.equal(pending.approval, 'pending', 'it stays pending on what it claimed when it enrolled');
    assert.deepEqual(
      pending.approvalClaims.map((claim: { kind: string; heldBy: string[] }) => [claim.kind, claim.heldBy]),
      [['machineGuid', [real.id]]],
    );
    assert.deepEqual(pending.claimsNow, []);

    const approved = await ctl('endpoint', 'approve', copy.id);
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal(approved.stderr, '');
    assert.deepEqual((await shown(real.id)).waiting, { count: 0, first: [] });
  });

  it('releasing the pending new key itself asks first, and names what to release instead', async () => {
    const old = await enroll(device(8));
    await old.stop();
    const reimaged = await enroll(device(8));
    const refused = await ctl('endpoint', 'release', reimaged.id);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(
      refused.stderr,
      new RegExp(
        `^devtrustctl: nothing done: ${reimaged.id} "wks-now-8" is itself waiting for approval: .+ release the endpoint it waits on instead \\(${old.id}\\)`,
      ),
    );
    assert.equal((await shown(reimaged.id)).releasedAt, null);
    assert.equal((await ctl('endpoint', 'release', old.id)).code, 0);
  });

  it('a thief that stops reporting the stolen values still waits on the blocked device: its release still asks, and names it', async () => {
    const stolen = await enroll(device(9));
    await stolen.stop();
    assert.equal((await ctl('endpoint', 'block', stolen.id)).code, 0);
    const thief = await enroll(device(9));
    thief.setIdentity({ platform: 'windows', hostname: 'wks-now-9' });
    await thief.agent.reportNow();
    const holder = await shown(stolen.id);
    assert.deepEqual(
      holder.waiting.first.map((w: { id: string }) => w.id),
      [thief.id],
    );
    assert.equal(holder.releaseCaution?.reason, 'holder-blocked');
    assert.match(holder.releaseCaution?.message ?? '', new RegExp(`frees them and approves ${thief.id}\\.`));
    assert.equal((await ctl('endpoint', 'release', stolen.id)).code, 1);

    // Denied, then unblocked, it would be approved: asked as an approval is.
    thief.setIdentity(device(9));
    await thief.agent.reportNow();
    assert.equal((await ctl('endpoint', 'deny', thief.id)).code, 0);
    const unblock = await ctl('endpoint', 'unblock', thief.id);
    assert.equal(unblock.code, 1, unblock.stdout);
    assert.match(unblock.stderr, /is blocked: approving this endpoint trusts it through them/);
    assert.equal((await shown(thief.id)).approval, 'denied');
  });

  it('unblocking a denied copy of a device still in use asks first: it would approve the copy, and the real device would lose its trust', async () => {
    const real = await enroll(device(10));
    const copy = await enroll(device(10));
    assert.equal((await ctl('endpoint', 'deny', copy.id)).code, 0);
    const refused = await ctl('endpoint', 'unblock', copy.id);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(
      refused.stderr,
      new RegExp(`^devtrustctl: nothing done: ${copy.id} was denied, and unblocking it approves it\\. ${real.id} holds`),
    );
    assert.match(refused.stderr, /do not release .+ give .+ identifiers of its own/);
    assert.equal((await shown(copy.id)).approval, 'denied');
    const forced = await ctl('endpoint', 'unblock', copy.id, '--yes');
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await shown(copy.id)).approval, 'approved');
  });
});
