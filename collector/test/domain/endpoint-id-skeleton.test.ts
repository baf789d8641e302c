import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { idSkeleton, namesOtherEndpoint } from '@devtrust/collector/domain/endpoint-id-skeleton';
// The console's copy: served to the browser as is, so it cannot import the collector's.
// @ts-expect-error -- plain JavaScript without declarations
import * as consoleCopy from '../../src/console/assets/js/endpoint-id-skeleton.js';

const VICTIM = 'ep_6c3ba325-2fa1-49eb-ab22-6a7fd944013e';
const OWN = 'ep_11695de2-0000-4000-8000-00000000000a';

/** The victim's id with each character `from` written as `to`. */
const swap = (from: string, to: string, id = VICTIM): string => id.split(from).join(to);

// Hostnames an agent may choose, and whether each reads as naming another endpoint's id (F8).
const CASES: [string, string, boolean][] = [
  ['plain ASCII', `LAPTOP-12 (${VICTIM})`, true],
  ['upper case', VICTIM.toUpperCase(), true],
  ['Cyrillic ер_', `ер_${VICTIM.slice(3)}`, true],
  ['Cyrillic а in the hex', swap('a', '\u0430'), true],
  ['Cyrillic с in the hex', swap('c', '\u0441'), true],
  ['Cyrillic е in the hex', swap('e', '\u0435'), true],
  ['Cyrillic upper case А С Е Р', swap('a', '\u0410', swap('c', '\u0421', swap('e', '\u0415', swap('p', '\u0420')))), true],
  ['Greek ο α ε ρ, Latin o for 0', swap('0', '\u03bf', swap('a', '\u03b1', swap('e', '\u03b5', swap('p', '\u03c1')))), true],
  ['Latin O and l for 0 and 1', swap('0', 'O', swap('1', 'l')), true],
  ['U+2011 non-breaking hyphens', swap('-', '\u2011'), true],
  ['U+2010, U+2013, U+2212 dashes', `ep_6c3ba325\u20102fa1\u201349eb\u2212ab22\u20136a7fd944013e`, true],
  ['U+FF0D fullwidth hyphen-minus', swap('-', '\uff0d'), true],
  ['U+FF3F fullwidth low line', swap('_', '\uff3f'), true],
  ['U+FE4D dashed low line', swap('_', '\ufe4d'), true],
  ['U+2017 double low line', swap('_', '\u2017'), true],
  ['fullwidth letters and digits', [...VICTIM].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join(''), true],
  ['a dot below each digit', VICTIM.replace(/\d/g, '$&\u0323'), true],
  ['every trick at once', `PC ер\uff3f6с3bа325\u20112fa1\u201149еb\u2011ab22\u20116a7fd944Ο13е`, true],
  // Not cases: its own id however written, ordinary and IDN hostnames, an id cut short.
  ['its own id', `self ${OWN}`, false],
  ['its own id in Cyrillic', `self ер_${OWN.slice(3)}`.replace(/a/g, '\u0430'), false],
  ['an ordinary hostname', 'LAPTOP-12', false],
  ['a Cyrillic hostname', 'сервер-бухгалтерия-01', false],
  ['a Japanese hostname', '経理部\u3000ノートPC', false],
  ['a Greek hostname', 'υπολογιστής-γραφείου', false],
  ['an id cut short', VICTIM.slice(0, -1), false],
  ['an id with x for a hex digit', swap('f', 'x'), false],
  ['no hostname', '', false],
];

describe('idSkeleton and namesOtherEndpoint: a hostname read as a person reads it against an endpoint id', () => {
  for (const [name, hostname, marked] of CASES)
    it(`${marked ? 'marks' : 'does not mark'} ${name}`, () => {
      assert.equal(namesOtherEndpoint(OWN, hostname), marked, hostname);
      assert.equal(consoleCopy.namesOtherEndpoint(OWN, hostname), marked, `console: ${hostname}`);
    });

  it('maps the look-alikes to the id and leaves other text as it reads', () => {
    assert.equal(idSkeleton(`ер\uff3f6с3bа325\u20112fa1`), 'ep_6c3ba325-2fa1');
    assert.equal(idSkeleton('ｅｐ＿１２'), 'ep_12');
    assert.equal(idSkeleton('LAPTOP-12'), 'lapt0p-12');
  });

  it('is the same function in the console as in the collector', () => {
    const samples = [...CASES.map(([, hostname]) => hostname), 'ΑΒΕΡ ЬьƄ ԁ℮Ϝ зб Ӏ І ー─', 'é ñ ü'];
    for (const text of samples) assert.equal(consoleCopy.idSkeleton(text), idSkeleton(text), text);
  });
});
