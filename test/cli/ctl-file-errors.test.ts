import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { unreadableFileMessage } from '@devtrust/collector/cli/ctl-unreadable-file';
import { runBin } from '../support/bin.js';

/**
 * An upload file devtrustctl cannot read printed Node's own text (`ENOENT: no such file or
 * directory, open 'nope.csv'`; for a directory, `EISDIR: illegal operation on a directory, read`,
 * naming no file, as an unexpected error, exit 1). It now names the file and why, exit 2.
 */
describe('devtrustctl: an upload file it cannot read', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-ctl-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The file is read before the collector is called: no collector is needed, and none is reached.
  const upload = (file: string) =>
    runBin('devtrustctl', ['integration', 'upload', 'int_1', file], { env: { DEVTRUST_URL: 'http://127.0.0.1:9', DEVTRUST_API_KEY: 'x' } });

  it('a missing file: "cannot read FILE: no such file", exit 2', async () => {
    const r = await upload('nope.csv');
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', 'devtrustctl: cannot read nope.csv: no such file\n']);
  });

  it('a directory: named, exit 2', async () => {
    const r = await upload(dir);
    assert.deepEqual([r.code, r.stderr], [2, `devtrustctl: cannot read ${dir}: it is a directory, not a file\n`]);
  });

  // --secrets @FILE said `--secrets: cannot read FILE (ENOENT)`: now read as an upload is, and worded the same.
  it('--secrets @FILE: a missing file and a directory read as for an upload, exit 2', async () => {
    const secrets = (file: string) =>
      runBin('devtrustctl', ['integration', 'update', 'int_1', '--secrets', `@${file}`], {
        env: { DEVTRUST_URL: 'http://127.0.0.1:9', DEVTRUST_API_KEY: 'x' },
      });
    const missing = await secrets('nope.json');
    assert.deepEqual([missing.code, missing.stdout, missing.stderr], [2, '', 'devtrustctl: cannot read nope.json: no such file\n']);
    const directory = await secrets(dir);
    assert.deepEqual([directory.code, directory.stderr], [2, `devtrustctl: cannot read ${dir}: it is a directory, not a file\n`]);
  });

  it('permission denied reads as such (root reads any file, so this is checked on the message)', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    assert.equal(unreadableFileMessage('inv.csv', denied), 'cannot read inv.csv: permission denied (check who may read it)');
    assert.equal(unreadableFileMessage('inv.csv', new Error('other')), null);
  });
});
