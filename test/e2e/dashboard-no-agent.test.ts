import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { freePort } from '../support/ports.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';
import { promptOf, startUnsignedSignIn } from '../support/unsigned-sign-in.js';

/**
 * What the prompt records when no agent answers, and what the dashboard makes of it. A
 * sign-in denied because no agent answered (the user saw "Access denied", the application got
 * access_denied) is a denial the dashboard counts, with its reason; a prompt nobody decided
 * (the page closed during the wait), one that allowed but that the application never
 * completed, and a transaction no agent attested are not sign-ins and stay out.
 */
for (const database of DATABASES) {
  describeUnless(database.skip)(`the dashboard counts sign-ins denied for lack of an agent (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let payroll: TestApp;
    let wiki: TestApp;

    /** The browser's steps on the OIDC prompt, without a browser: start, open the page, then as far as `until`. */
    async function prompt(app: TestApp, username: string, until: 'opened' | 'decided' | 'returned'): Promise<string | null> {
      const started = await startUnsignedSignIn(c.url, app.clientId, username);
      assert.equal(started.status, 303, await started.text());
      const { prompt: page, cookie } = promptOf(c.url, started);
      assert.equal((await fetch(page, { headers: { cookie } })).status, 200);
      if (until === 'opened') return null;
      // The collector waits for an agent 0 ms here: the page's first poll is decided.
      const state = await fetch(`${page.href}/state`, { headers: { cookie, accept: 'application/json' } });
      assert.equal(((await state.json()) as { state: string }).state, 'decided');
      if (until === 'decided') return null;
      // "Return to the application": the provider resumes the authorization, which answers the application.
      const finish = await fetch(`${page.href}/finish`, { headers: { cookie }, redirect: 'manual' });
      assert.equal(finish.status, 303);
      const resume = await fetch(new URL(finish.headers.get('location') ?? '', c.url), { headers: { cookie }, redirect: 'manual' });
      assert.equal(resume.status, 303, await resume.text());
      return resume.headers.get('location');
    }

    beforeAll(async () => {
      // Nothing answers on the one port the prompt would try: no agent on this device.
      c = await collectorOn(database.name, { scheduler: false, prompt: { loopbackPorts: [await freePort()], agentWaitMs: 0 } });
      payroll = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
      wiki = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Wiki');
    });
    afterAll(async () => {
      await c?.close();
    });

    it('a denial without an agent is denied (no agent); nothing decided and nothing completed stays out', async () => {
      // Denied: the wait ended without an agent, require-trusted denied, the user returned to the application.
      const returned = await prompt(payroll, 'bob@example.com', 'returned');
      assert.match(returned ?? '', /error=access_denied/);
      // The page closed during the wait: nothing decided it.
      await prompt(payroll, 'carol@example.com', 'opened');
      // Allowed under allow-all, but the application never redeemed the code.
      await prompt(wiki, 'dave@example.com', 'decided');
      // The transaction API: no agent attests it, so it stays pending and is never decided.
      const tx = await payroll.open('erin@example.com');
      assert.equal((await payroll.read(tx)).body.state, 'pending');

      // What the auth log holds: the two decisions without an agent, kept apart as before.
      const log = await c.admin('GET', '/admin/v1/auth-log?outcome=all');
      assert.deepEqual(
        (log.body.entries as { username: string; outcome: string; access: string; reasons: string[] }[])
          .map((e) => [e.username, e.outcome, e.access, e.reasons.some((r) => /no DevTrust agent attested/.test(r))])
          .sort(),
        [
          ['bob@example.com', 'abandoned', 'deny', true],
          ['dave@example.com', 'abandoned', 'allow', true],
        ],
      );

      for (const range of ['24h', '7d', '30d']) {
        const dashboard = await c.admin('GET', `/admin/v1/dashboard?range=${range}`);
        assert.equal(dashboard.status, 200, JSON.stringify(dashboard.body));
        assert.deepEqual(dashboard.body.signIns.totals, { trusted: 0, untrusted: 0, denied: 1, deniedNoAgent: 1 }, range);
        const withDenial = (dashboard.body.signIns.buckets as { denied: number; deniedNoAgent: number }[]).filter((b) => b.denied > 0);
        assert.deepEqual(
          withDenial.map((b) => [b.denied, b.deniedNoAgent]),
          [[1, 1]],
          range,
        );
      }
    });
  });
}
