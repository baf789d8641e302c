import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { waitsOnCell } from '@devtrust/collector/cli/ctl-waits-on';
import { renderTable } from '@devtrust/collector/cli/ctl-render';
import { terminalSafe } from '@devtrust/collector/cli/terminal-text';

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

  it('writes control and bidi characters from the answer as spaces, keeping its own line breaks', () => {
    let written = '';
    const out = terminalSafe({ write: (text: string) => (written += text) });
    out.write('serial S\u001b[2JX\u001b]0;pwn\u0007 and ab\u202ecd\nnext line\n');
    assert.equal(written, 'serial S [2JX ]0;pwn  and ab cd\nnext line\n');
  });
});
