import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { main as devtrustctl } from '@devtrust/collector/cli/ctl';
import { OWNER_TOKEN } from '../../../test/support/collector.js';
import { collectorOn, type CollectorOnDatabase } from '../../../test/support/collector-on.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';

const URIS = ['https://payroll.example/cb'];

type ErrorBody = { error: { code: string; message: string; field?: string } };

// Names an app-manager key could give to pass for "Payroll" on the agent's confirmation window.
const LOOK_ALIKES = [
  'Payroll',
  'PayroII',
  'payroll',
  'Payroll  ',
  'Payr\u1ecdll',
  '\uff30\uff41\uff59\uff52\uff4f\uff4c\uff4c',
  'Pa\u0301yroll',
  'Payro\u0196\u0196', // Latin capital iota, which folds to ɩ
  'Payro\ua7ae\ua7ae', // Latin capital small capital I, which folds to ɪ
  'Payro\u200all', // hair space
  'Pay roll',
  '\u0420\u0430\u0443\u0433\u043e\u04cf\u04cf', // all Cyrillic
  '\u1d18\u1d00\u028f\u0280\u1d0f\u029f\u029f', // Latin small capitals
];

// Look-alikes refused before they are compared: a symbol, or letters of two scripts.
const REFUSED: [string, string, string][] = [
  ['Payro\u2502\u2502', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+2502'],
  ['Payro\u2223\u2223', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+2223'],
  ['Payro\u23d0\u23d0', 'APPLICATION_NAME_CHARACTER_REFUSED', 'U+23D0'],
  ['Pay\u0433oll', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+0433'],
  ['PAYRO\u053c\u053c', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+053C'],
  ['P\u0430yroll', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+0430'],
  ['Payr\u03bfll', 'APPLICATION_NAME_MIXED_SCRIPTS', 'U+03BF'],
];

for (const db of DATABASES)
  describeUnless(db.skip)(`application names that read the same (${db.name})`, () => {
    let c: CollectorOnDatabase;

    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
    });
    afterAll(async () => {
      await c?.close();
    });

    const create = (name: string) => c.admin('POST', '/admin/v1/applications', { name, redirectUris: URIS });
    const names = async (): Promise<string[]> =>
      ((await c.admin('GET', '/admin/v1/applications')).body as { applications: { name: string }[] }).applications.map((a) => a.name);

    it('refuses a look-alike of an existing name with 409 APPLICATION_NAME_TAKEN naming the application', async () => {
      const real = await create('Payroll');
      assert.equal(real.status, 201, JSON.stringify(real.body));
      const id = (real.body as { id: string }).id;
      for (const name of LOOK_ALIKES) {
        const answer = await create(name);
        assert.equal(answer.status, 409, `${JSON.stringify(name)}: ${JSON.stringify(answer.body)}`);
        const { error } = answer.body as ErrorBody;
        assert.equal(error.code, 'APPLICATION_NAME_TAKEN');
        assert.equal(error.field, 'name');
        assert.ok(error.message.includes(id) && error.message.includes('("Payroll")'), error.message);
      }
      for (const [name, code, character] of REFUSED) {
        const answer = await create(name);
        assert.equal(answer.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(answer.body)}`);
        const { error } = answer.body as ErrorBody;
        assert.equal(error.code, code);
        assert.equal(error.field, 'name');
        assert.ok(error.message.includes(character), error.message);
      }
      assert.deepEqual(await names(), ['Payroll']);
      // Names that read differently are still free.
      for (const name of ['Payroll EU', 'HR', 'HR2']) assert.equal((await create(name)).status, 201, name);
    });

    it('accepts names wholly in one script other than Latin, and the usual CJK mixes', async () => {
      const names = [
        '\u7d66\u4e0e\u306e\u30b7\u30b9\u30c6\u30e0', // Japanese
        '\u85aa\u8d44\u7cfb\u7edf', // Chinese
        '\uae09\uc5ec \uc2dc\uc2a4\ud15c', // Korean
        '\u039c\u03b9\u03c3\u03b8\u03bf\u03b4\u03bf\u03c3\u03af\u03b1', // Greek
        '\u0417\u0430\u0440\u043f\u043b\u0430\u0442\u0430', // Cyrillic
      ];
      for (const name of names) {
        const answer = await create(name);
        assert.equal(answer.status, 201, `${JSON.stringify(name)}: ${JSON.stringify(answer.body)}`);
      }
    });

    it('refuses renaming to a name holding a symbol or mixed scripts', async () => {
      const list = (await c.admin('GET', '/admin/v1/applications')).body as { applications: { id: string; name: string }[] };
      const hr = list.applications.find((a) => a.name === 'HR')!;
      for (const [name, code] of REFUSED) {
        const renamed = await c.admin('PATCH', `/admin/v1/applications/${hr.id}`, { name });
        assert.equal(renamed.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(renamed.body)}`);
        assert.equal((renamed.body as ErrorBody).error.code, code);
      }
      assert.equal((await c.admin('GET', `/admin/v1/applications/${hr.id}`)).body.name, 'HR');
    });

    it('refuses renaming an application to a look-alike of another, and allows its own name in another case', async () => {
      const list = (await c.admin('GET', '/admin/v1/applications')).body as { applications: { id: string; name: string }[] };
      const eu = list.applications.find((a) => a.name === 'Payroll EU')!;
      const payroll = list.applications.find((a) => a.name === 'Payroll')!;
      const renamed = await c.admin('PATCH', `/admin/v1/applications/${eu.id}`, { name: 'PAYR0LL' });
      assert.equal(renamed.status, 409, JSON.stringify(renamed.body));
      assert.equal((renamed.body as ErrorBody).error.code, 'APPLICATION_NAME_TAKEN');
      assert.ok((renamed.body as ErrorBody).error.message.includes(payroll.id));
      assert.equal((await c.admin('GET', `/admin/v1/applications/${eu.id}`)).body.name, 'Payroll EU');
      const own = await c.admin('PATCH', `/admin/v1/applications/${payroll.id}`, { name: 'PAYROLL' });
      assert.equal(own.status, 200, JSON.stringify(own.body));
      // Once renamed away, the name is free again.
      assert.equal((await c.admin('PATCH', `/admin/v1/applications/${payroll.id}`, { name: 'Payroll (old)' })).status, 200);
      assert.equal((await c.admin('PATCH', `/admin/v1/applications/${eu.id}`, { name: 'payroll' })).status, 200);
    });

    it('devtrustctl app create and app update say which application has the name', async () => {
      const payroll = (
        (await c.admin('GET', '/admin/v1/applications')).body as { applications: { id: string; name: string }[] }
      ).applications.find((a) => a.name === 'payroll')!;
      const env = { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN };
      const run = async (argv: string[]): Promise<{ code: number; err: string }> => {
        let err = '';
        const code = await devtrustctl(argv, env, { write: () => true }, { write: (text: string) => (err += text) });
        return { code, err };
      };
      const created = await run(['app', 'create', '--name', 'PAYR0LL', '--redirect-uris', URIS[0]!]);
      assert.equal(created.code, 1);
      assert.match(created.err, /^devtrustctl: 409 APPLICATION_NAME_TAKEN: /);
      assert.ok(created.err.includes(`${payroll.id} ("payroll")`), created.err);
      const hr = (
        (await c.admin('GET', '/admin/v1/applications')).body as { applications: { id: string; name: string }[] }
      ).applications.find((a) => a.name === 'HR')!;
      const renamed = await run(['app', 'update', hr.id, '--name', 'Payro11']);
      assert.equal(renamed.code, 1, renamed.err);
      assert.ok(renamed.err.includes('APPLICATION_NAME_TAKEN') && renamed.err.includes(payroll.id), renamed.err);
    });

    it('refuses a name that reads as nothing with 400', async () => {
      for (const name of ['\u0301\u0301', '\u200b']) {
        const answer = await create(name);
        assert.equal(answer.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(answer.body)}`);
      }
      const marks = (await create('\u0301\u0301')).body as ErrorBody;
      assert.equal(marks.error.code, 'APPLICATION_NAME_UNREADABLE');
      assert.equal(marks.error.field, 'name');
    });

    it('of look-alikes created at once, exactly one is created', async () => {
      for (let round = 0; round < 5; round++) {
        const base = `Vault ${round}`;
        const variants = [base, base.toUpperCase(), base.replace(' ', ''), base.replace('a', '\u00e1'), `${base}\u3000`];
        const answers = await Promise.all(variants.map(create));
        const won = answers.filter((a) => a.status === 201);
        assert.equal(won.length, 1, `round ${round}: ${JSON.stringify(answers.map((a) => a.status))}`);
        const winner = won[0]!.body as { id: string };
        for (const lost of answers.filter((a) => a.status !== 201)) {
          assert.equal(lost.status, 409, JSON.stringify(lost.body));
          assert.ok((lost.body as ErrorBody).error.message.includes(winner.id), (lost.body as ErrorBody).error.message);
        }
      }
    });
  });
