import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { AGENT_CHANNEL_PATH, signedPayloadOf } from '@devtrust/shared/protocol';
import { newSessionKeyPair, sessionMacKey, verifyMac } from '@devtrust/shared/crypto';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';

/**
 * A transparent WebSocket relay in front of a real collector that records what the agent
 * sends. `rename` rewrites a field name in the agent's frames before they go on: renaming
 * `sessionKey` makes the real collector refuse it as an unknown field, exactly as a collector
 * from before session MACs (whose schema has no such field) does.
 */
async function relay(target: string, rename?: { from: string; to: string }) {
  const frames: Record<string, unknown>[] = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: AGENT_CHANNEL_PATH });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (agentSide) => {
    const upstream = new WebSocket(`${target.replace(/^http/, 'ws')}${AGENT_CHANNEL_PATH}`);
    const early: string[] = [];
    upstream.on('message', (data) => agentSide.send(String(data)));
    upstream.on('close', (code, reason) => agentSide.close(code, reason));
    upstream.on('open', () => early.splice(0).forEach((f) => upstream.send(f)));
    agentSide.on('message', (data) => {
      let text = String(data);
      frames.push(JSON.parse(text) as Record<string, unknown>);
      if (rename) text = text.replace(`"${rename.from}":`, `"${rename.to}":`);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else early.push(text);
    });
    agentSide.on('close', () => upstream.close());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    frames,
    close: () => {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const identity = { platform: 'linux' as const, hostname: 'laptop', serialNumber: 'SERIAL-SESSION-MAC' };

describe('the agent MACs its reports with the session key once one is agreed', () => {
  let collector: TestCollector | undefined;
  let proxy: Awaited<ReturnType<typeof relay>> | undefined;
  let agent: TestAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    await proxy?.close();
    await collector?.stop();
  });

  it('offers a key, signs its first report, MACs the next ones, and the collector stores them', async () => {
    collector = await startTestCollector();
    proxy = await relay(collector.url);
    agent = await startTestAgent(proxy.url, identity);
    await agent.agent.reportNow();
    await agent.agent.reportNow();
    const sent = proxy.frames;
    const enroll = sent.find((f) => f.type === 'enroll');
    assert.match(String(enroll?.sessionKey), /^[A-Za-z0-9_-]{43}$/);
    const reports = sent.filter((f) => f.type === 'report');
    assert.equal(reports.length, 3);
    assert.ok(reports[0]?.signature && !reports[0].mac, 'the first report of a session is signed');
    for (const later of reports.slice(1)) assert.ok(later.mac && !later.signature, 'later reports carry the session MAC');
    const endpointId = agent.agent.link.endpointId as string;
    const stored = (await collector.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body as { history: { seq: number }[] };
    assert.deepEqual(stored.history.map((h) => h.seq).sort(), reports.map((r) => r.seq).sort());
  });

  it('against a collector that does not know session keys, it stops offering one and signs every report', async () => {
    collector = await startTestCollector();
    proxy = await relay(collector.url, { from: 'sessionKey', to: 'sessionKeyFromTheFuture' });
    agent = await startTestAgent(proxy.url, identity);
    await agent.agent.reportNow();
    const sent = proxy.frames;
    const offers = sent.filter((f) => (f.type === 'enroll' || f.type === 'auth') && 'sessionKey' in f);
    assert.equal(offers.length, 1, 'offered once, refused, then not again');
    const reports = sent.filter((f) => f.type === 'report');
    assert.ok(reports.length >= 2);
    for (const report of reports) assert.ok(report.signature && !report.mac);
    const endpointId = agent.agent.link.endpointId as string;
    const stored = (await collector.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body as { history: { seq: number }[] };
    assert.equal(stored.history.length, reports.length);
  });
});

/**
 * A hostile collector: it says hello a second time on an authenticated socket, with a nonce of
 * its choosing, and never answers the auth that asks for. One hello per socket is the protocol.
 */
async function doubleHelloCollector() {
  const frames: Record<string, unknown>[] = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: AGENT_CHANNEL_PATH });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const own = newSessionKeyPair();
  const session: { macKey: Buffer | null; nonce: string; endpointId: string } = {
    macKey: null,
    nonce: 'first-nonce',
    endpointId: 'ep_hostile',
  };
  server.on('connection', (ws) => {
    const send = (m: Record<string, unknown>) => ws.send(JSON.stringify(m));
    send({ type: 'hello', v: 1, nonce: session.nonce, maxFrameBytes: 65536 });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type === 'enroll' && typeof frame.sessionKey === 'string') {
        session.macKey = sessionMacKey(own.privateKey, frame.sessionKey, {
          nonce: session.nonce,
          endpointId: session.endpointId,
          agentKey: frame.sessionKey,
          collectorKey: own.publicKey,
        });
        send({ type: 'enrolled', endpointId: session.endpointId });
        send({ type: 'authenticated', endpointId: session.endpointId, lastSeq: 0, reportIntervalSec: 300, sessionKey: own.publicKey });
      }
      if (frame.type === 'report') {
        send({ type: 'ack', seq: frame.seq });
        // After the first ack: a second hello, with another nonce.
        if (frame.seq === 1) send({ type: 'hello', v: 1, nonce: 'second-nonce', maxFrameBytes: 65536 });
      }
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    frames,
    session,
    close: () => {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the agent against a collector that says hello twice', () => {
  let agent: TestAgent | undefined;
  let hostile: Awaited<ReturnType<typeof doubleHelloCollector>> | undefined;
  afterEach(async () => {
    await agent?.stop();
    await hostile?.close();
  });

  it('signs no second auth for a nonce the collector picks mid-session, and MACs under the session it agreed', async () => {
    hostile = await doubleHelloCollector();
    agent = await startTestAgent(hostile.url, identity);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let a second hello arrive and be handled
    await agent.agent.reportNow();
    assert.equal(hostile.frames.filter((f) => f.type === 'auth').length, 0, 'an auth signed for the second nonce');
    const reports = hostile.frames.filter((f) => f.type === 'report');
    const later = reports.at(-1) as Record<string, unknown>;
    assert.ok(later.mac, 'the report after the first is MACd');
    const { mac, ...unsigned } = later;
    const payload = signedPayloadOf(unsigned as never, { nonce: hostile.session.nonce, endpointId: hostile.session.endpointId });
    assert.equal(verifyMac(hostile.session.macKey as Buffer, payload, String(mac)), true, 'MACd under the session it agreed');
  });
});
