import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { forgetSummary } from '@devtrust/collector/cli/ctl-endpoint-forget';
import { COMMANDS } from '@devtrust/collector/cli/ctl-commands';
import { deleteRisk } from '@devtrust/collector/cli/ctl-integration-delete';
import { utcTime } from '@devtrust/collector/cli/ctl-render';
import { ROOT } from '../support/bin.js';

/**
 * What docs/admin-api.md shows devtrustctl printing, against the code that prints it: the doc
 * showed `forgot ep_… (wks-9)` where the CLI prints `forgot ep_… "wks-9"`, and said every other
 * command prints the object where three print `ok`.
 */
const doc = readFileSync(path.join(ROOT, 'docs/admin-api.md'), 'utf8').replace(/\s+/g, ' ');

describe('devtrustctl output as docs/admin-api.md shows it', () => {
  it('endpoint forget: the sentence the CLI prints, the hostname quoted', () => {
    const none = forgetSummary('ep_…', { forgotten: { id: 'ep_…', hostname: 'wks-9' }, stillPending: [] });
    assert.ok(doc.includes(`\`${none}\``), none);
    const waiting = forgetSummary('ep_…', { forgotten: { id: 'ep_…', hostname: 'wks-9' }, stillPending: ['ep_…', 'ep_…'] });
    assert.ok(doc.includes(`\`${waiting}\``), waiting);
    assert.match(doc, /devtrustctl endpoint forget ep_… --yes/);
  });

  it('integration delete: the refusal the CLI prints without --yes', () => {
    const active = deleteRisk('int_…', { name: 'Laptops', devices: 2, activation: { mode: 'all-users' } });
    assert.ok(doc.includes(`nothing done: ${active}. To delete it anyway, run it again with --yes.`), active ?? 'null');
    const disabled = deleteRisk('int_…', { name: 'Old', devices: 1, activation: { mode: 'disabled' } });
    const tail = disabled?.slice(disabled.indexOf(' is disabled'));
    assert.ok(doc.includes(`\`… ${tail?.trimStart()}.\``), tail);
  });

  it('the shown-once line after app create, as the CLI writes it', () => {
    const lost = COMMANDS.find((c) => c.name === 'app create')?.shownOnce?.lost;
    assert.ok(doc.includes(`shown once: store it now; it cannot be shown again (if lost: ${lost})\``), lost);
  });

  it('an empty list: the line the CLI prints for apps and for a filtered log', () => {
    const input = { args: [], flags: {}, readFile: async () => new Uint8Array() };
    const apps = COMMANDS.find((c) => c.name === 'apps')?.table?.empty(input);
    assert.ok(doc.includes(`\`${apps}\``), apps);
    const log = COMMANDS.find((c) => c.name === 'log')?.table?.empty({ ...input, flags: { user: 'u' } });
    assert.ok(doc.includes(`\`${log}\``), log);
  });

  it('names the commands that print ok, and the time form of millisecond fields', () => {
    assert.match(doc, /`app delete`, `integration delete` and `key revoke`[^.]*print `ok`/);
    assert.ok(doc.includes(`\`${utcTime(Date.UTC(2026, 10, 30, 8, 15, 51))}\``));
  });
});
