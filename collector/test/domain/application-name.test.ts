import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { applicationNameKey, nameReadsAs } from '@devtrust/collector/domain/application-name';

// Names an admin (or an attacker holding an app-manager key) may give, each against the name it
// imitates: each pair must read the same.
const LOOK_ALIKES: [string, string, string][] = [
  ['the same name', 'Payroll', 'Payroll'],
  ['lower case', 'Payroll', 'payroll'],
  ['upper case', 'Payroll', 'PAYROLL'],
  ['capital I for l', 'Payroll', 'PayroII'],
  ['digit 1 for l', 'Payroll', 'Payro11'],
  ['pipe for l', 'Payroll', 'Payro||'],
  ['Cyrillic а', 'Payroll', 'P\u0430yroll'],
  ['Cyrillic Р, о', 'Payroll', '\u0420ayr\u043ell'],
  ['Cyrillic palochka Ӏ for l', 'Payroll', 'Payro\u04cf\u04c0'],
  ['Greek ο, Ρ', 'Payroll', '\u03a1ayr\u03bfll'],
  ['Greek capitals', 'TAXI', '\u03a4\u0391\u03a7\u0399'],
  ['Greek ν for v', 'Vault', '\u03bdault'],
  ['Armenian օ', 'Okta', '\u0585kta'],
  ['digit 0 for O', 'Okta', '0kta'],
  ['trailing space', 'Payroll', 'Payroll '],
  ['leading and double spaces', 'Payroll EU', '  Payroll   EU'],
  ['no-break and ideographic spaces', 'Payroll EU', 'Payroll\u00a0\u3000EU'],
  ['tab and line break', 'Payroll EU', 'Payroll\t\nEU'],
  ['zero-width space', 'Payroll', 'Pay\u200broll'],
  ['zero-width joiner and non-joiner', 'Payroll', 'Pa\u200dyro\u200cll'],
  ['zero-width no-break space', 'Payroll', 'Pay\ufeffroll'],
  ['word joiner', 'Payroll', 'Payroll\u2060'],
  ['bidi controls', 'Payroll', '\u202aPayroll\u202c\u2066'],
  ['right-to-left mark', 'Payroll', 'Pay\u200froll'],
  ['variation selectors', 'Payroll', 'Pay\ufe0froll\udb40\udd00'],
  ['soft hyphen', 'Payroll', 'Pay\u00adroll'],
  ['Hangul filler', 'Payroll', 'Payroll\u3164'],
  ['fullwidth letters', 'Payroll', '\uff30\uff41\uff59\uff52\uff4f\uff4c\uff4c'],
  ['mathematical bold', 'Payroll', '\ud835\udc0f\ud835\udc1a\ud835\udc32\ud835\udc2b\ud835\udc28\ud835\udc25\ud835\udc25'],
  ['circled letters', 'HR', '\u24bd\u24c7'],
  ['combining accent', 'Payroll', 'Pa\u0301yroll'],
  ['precomposed accent', 'Payroll', 'Páyröll'],
  ['dot below', 'Payroll', 'Pay\u1e5boll'],
  ['dotless ı', 'Billing', 'B\u0131lling'],
  ['dotted capital İ', 'Billing', 'B\u0130LLING'],
  ['sharp s folds to ss', 'Strasse', 'Straße'],
  ['rn for m', 'Compliance', 'Cornpliance'],
  ['vv for w', 'Workday', 'VVorkday'],
  ['en dash for hyphen', 'Self-service', 'Self\u2013service'],
  ['curly apostrophe', "Ops' portal", 'Ops\u2019 portal'],
  ['ligature ﬁ', 'Finance', '\ufb01nance'],
  // Look-alikes that fold into the table: Latin capital iota Ɩ folds to ɩ, capital small capital Ɪ to ɪ.
  ['Latin capital iota Ɩ', 'Payroll', 'Payro\u0196\u0196'],
  ['Latin capital small capital Ɪ', 'Payroll', 'Payro\ua7ae\ua7ae'],
  ['Greek capital iota folds to ι', 'Payroll', 'PAYRO\u0399\u0399'],
  ['Cyrillic ge г for r', 'Payroll', 'Pay\u0433oll'],
  ['Armenian capital Liwn Լ for L', 'Payroll', 'PAYRO\u053c\u053c'],
  ['Armenian small liwn լ for l', 'Payroll', 'payro\u056c\u056c'],
  ['Lisu letters', 'Payroll', '\ua4d1AYRO\ua4e1\ua4f2'],
  ['Cherokee capitals', 'Payroll', '\u13e2AYRO\u13de\u13de'],
  ['Cherokee small letters', 'Payroll', '\uabb2\u13aa\u13a9RO\uabae\u13de'],
  ['Latin small capitals', 'Payroll', '\u1d18\u1d00\u028f\u0280\u1d0f\u029f\u029f'],
  ['all-Cyrillic spelling', 'Payroll', '\u0420\u0430\u0443\u0433\u043e\u04cf\u04cf'],
  ['all-Greek capitals', 'TAXI', '\u03a4\u0391\u03a7\u0399'],
  ['Cyrillic komi de ԁ and script g ɡ', 'Dig', '\u0501i\u0261'],
  ['hair space', 'Payroll', 'Payro\u200all'],
  ['thin and narrow no-break spaces', 'Payroll', 'Pay\u2009ro\u202fll'],
  ['a plain space', 'Payroll', 'Pay roll'],
  ['spaces around punctuation', 'Payroll (EU)', 'Payroll(EU)'],
  ['i and l are one letter', 'Mail', 'Mall'],
];

// Names that must stay distinct from each other.
const DISTINCT: [string, string][] = [
  ['Payroll', 'Payroll EU'],
  ['HR', 'HR2'],
  ['Payroll', 'Payrol'],
  ['Mail', 'Mail (staging)'],
  ['Jira', 'Jura'],
  ['Okta', 'Octa'],
  ['Wiki', 'Wikis'],
  ['CRM', 'ERP'],
  ['Зарплата', 'Зарплата 2'],
];

describe('what an application name reads as', () => {
  for (const [label, real, lookAlike] of LOOK_ALIKES)
    it(`${label}: "${lookAlike}" reads as "${real}"`, () => {
      assert.equal(nameReadsAs(lookAlike), nameReadsAs(real));
      assert.equal(applicationNameKey(lookAlike), applicationNameKey(real));
    });

  for (const [a, b] of DISTINCT)
    it(`"${a}" and "${b}" stay distinct`, () => {
      assert.notEqual(nameReadsAs(a), nameReadsAs(b));
      assert.notEqual(applicationNameKey(a), applicationNameKey(b));
    });

  it('reads as nothing when only invisible characters and spaces are given', () => {
    for (const name of ['\u200b', '\u200b\u200c\u200d\u2060', ' \u00ad ', '\u202e', '\ufe0f', '\u3164', '\u2800', '\u0301'])
      assert.equal(applicationNameKey(name), null, JSON.stringify(name));
  });

  it('keys a long name to a fixed-length hash, however long NFKC makes it', () => {
    const key = applicationNameKey('\ufdfa'.repeat(200));
    assert.match(key ?? '', /^[0-9a-f]{64}$/);
  });
});
