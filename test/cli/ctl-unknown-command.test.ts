import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { editDistance } from '@devtrust/collector/cli/ctl-unknown-command';
import { runBin } from '../support/bin.js';

/**
 * A mistyped command printed `unknown command "endpoint shwo ep_nope"`: the arguments run in, and
 * no word of what to type instead. It now names the unknown word and the closest command.
 */
describe('devtrustctl: a mistyped command names the word and the command meant', () => {
  const ctl = async (...args: string[]) => {
    const r = await runBin('devtrustctl', args, { env: { DEVTRUST_API_KEY: 'x' } });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    return r.stderr;
  };

  it('a typo in the second word', async () => {
    assert.equal(
      await ctl('endpoint', 'shwo', 'ep_nope'),
      'devtrustctl: unknown command "shwo" for "endpoint"; did you mean "endpoint show"? (see devtrustctl endpoint --help)\n',
    );
    assert.equal(
      await ctl('app', 'rotate-secrte', 'app_1'),
      'devtrustctl: unknown command "rotate-secrte" for "app"; did you mean "app rotate-secret"? (see devtrustctl app --help)\n',
    );
  });

  it('a typo in the first word', async () => {
    assert.equal(await ctl('apss'), 'devtrustctl: unknown command "apss"; did you mean "apps"? (see devtrustctl --help)\n');
    assert.equal(
      await ctl('endpiont', 'show', 'ep_1'),
      'devtrustctl: unknown command "endpiont"; did you mean "endpoint show"? (see devtrustctl --help)\n',
    );
  });

  it('nothing close: no guess; a family word alone asks for its command', async () => {
    assert.equal(await ctl('endpoint', 'frob'), 'devtrustctl: unknown command "frob" for "endpoint" (see devtrustctl endpoint --help)\n');
    assert.equal(await ctl('frobnicate'), 'devtrustctl: unknown command "frobnicate" (see devtrustctl --help)\n');
    assert.equal(await ctl('endpoint'), 'devtrustctl: "endpoint" needs a command after it (see devtrustctl endpoint --help)\n');
  });

  it('edit distance counts a swap of neighbours as one edit', () => {
    assert.deepEqual(
      [editDistance('shwo', 'show'), editDistance('show', 'show'), editDistance('lgo', 'log'), editDistance('', 'abc')],
      [1, 0, 1, 3],
    );
  });
});
