import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { waitsOnCell } from '@devtrust/collector/cli/ctl-waits-on';
import { renderTable } from '@devtrust/collector/cli/ctl-render';
import { terminalSafe } from '@devtrust/collector/cli/terminal-text';
import { findCommand } from '@devtrust/collector/cli/ctl-commands';

describe("devtrustctl's human output", () => {
  it('names a holder by its id first, the hostname quoted and short: a hostname cannot pose as another id or push the id out', () => {
    // An agent chose this hostname: another endpoint's id in parentheses, then padding to push
    // whatever follows past the table's cut (a review found the real holder's id hidden so).
    const forged = `LAB-PC-9 (ep_6c3ba325-2fa1-49eb-ab22-6a7fd944013e) ${'.'.repeat(90)}`;
    const waitsOn = waitsOnCell(
      [
        { id: 'ep_11695de2-real', hostname: forged, kinds: ['serialNumber'], standing: 'holds' },
        { id: 'ep_22222222-second', hostname: 'W'.repeat(253), kinds: ['machineGuid'], standing: 'blocked' },
      ],
      9,
    );
    // As devtrustctl endpoints prints it: waitsOn is the table's last column.
    const [, row] = renderTable([{ id: 'ep_pending', waitsOn }], ['id', 'waitsOn']).split('\n');
    const cell = (row ?? '').replace(/^ep_pending\s+/, '');
    assert.ok(cell.startsWith('serial number held by ep_11695de2-real "LAB-PC-9 (ep_6c3ba325-2…"'), cell);
    assert.match(cell, /MachineGuid held by ep_22222222-second "W{23}…" \(blocked\)/);
    assert.match(cell, /and 7 more/);
  });

  it("marks, first in its hostname cell, an endpoint whose hostname holds another endpoint's id; its own id or none are not marked", () => {
    const victim = 'ep_6c3ba325-2fa1-49eb-ab22-6a7fd944013e';
    const own = 'ep_11695de2-0000-4000-8000-00000000000a';
    const table = findCommand(['endpoints'])?.table;
    assert.ok(table?.row && typeof table.columns === 'function');
    const rows = [
      { id: own, hostname: `LAPTOP-12 (${victim.toUpperCase()}) ${'\u3000'.repeat(60)}${'.'.repeat(150)}` },
      { id: 'ep_22222222-0000-4000-8000-00000000000b', hostname: 'LAPTOP-34' },
      { id: own, hostname: `self ${own}` },
      { id: 'ep_33333333-0000-4000-8000-00000000000c', hostname: null },
    ].map((r) => table.row!(r));
    const columns = (table.columns as (rows: readonly Record<string, unknown>[]) => string[])(rows);
    const lines = renderTable(rows, columns).split('\n');
    const hostnameAt = (lines[0] ?? '').indexOf('hostname');
    const cells = lines.slice(1).map((line) => line.slice(hostnameAt));
    // Marked first, where the cut never reaches; the sixty wide spaces shown as one (and cut there).
    assert.ok(cells[0]?.startsWith(`[hostname names another endpoint id] LAPTOP-12 (${victim.toUpperCase()})… `), cells[0]);
    assert.ok(!cells[0]?.includes('\u3000'), cells[0]);
    assert.ok(cells[1]?.startsWith('LAPTOP-34 '), cells[1]);
    assert.ok(cells[2]?.startsWith(`self ${own}`), cells[2]);
    assert.ok(cells[3]?.startsWith('- '), cells[3]);
  });

  it("marks a hostname that imitates another endpoint's id with look-alikes: Cyrillic ер_ and hex, U+2011 hyphens, U+FF3F", () => {
    const victim = 'ep_6c3ba325-2fa1-49eb-ab22-6a7fd944013e';
    const table = findCommand(['endpoints'])?.table;
    const toRow = table?.row;
    assert.ok(toRow);
    const forged = [
      `ер_${victim.slice(3)}`,
      victim.replace(/a/g, '\u0430').replace(/c/g, '\u0441').replace(/e/g, '\u0435'),
      victim.replace(/-/g, '\u2011'),
      victim.replace('_', '\uff3f'),
    ];
    for (const hostname of forged) {
      const shown: Record<string, unknown> = toRow({ id: 'ep_11695de2-0000-4000-8000-00000000000a', hostname });
      assert.equal(shown.hostname, `[hostname names another endpoint id] ${hostname}`, hostname);
    }
  });

  it('writes control and bidi characters from the answer as spaces, keeping its own line breaks', () => {
    let written = '';
    const out = terminalSafe({ write: (text: string) => (written += text) });
    out.write('serial S\u001b[2JX\u001b]0;pwn\u0007 and ab\u202ecd\nnext line\n');
    assert.equal(written, 'serial S [2JX ]0;pwn  and ab cd\nnext line\n');
  });
});
