/**
 * Which writing systems a piece of text uses, for UTS #39's "highly restrictive" check: the
 * letters of a name shown to users must all come from one script (or one of the usual CJK
 * combinations), so a Latin name cannot hide a Cyrillic, Greek or Armenian letter that looks like
 * a Latin one. Read from the regex engine's Unicode data (`\p{Script_Extensions=…}`), so it
 * follows the Unicode version Node ships; no table of our own.
 */

/** ISO 15924 codes of Unicode's scripts (Common and Inherited apart), as of Unicode 17. */
const SCRIPT_CODES =
  'Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Berf Bhks Bopo Brah Brai Bugi Buhd Cakm Cans Cari Cham ' +
  'Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara Geor Glag Gong Gonm Goth Gran Grek ' +
  'Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Kali Kana Kawi Khar Khmr Khoj Kits Knda ' +
  'Krai Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Mlym Modi ' +
  'Mong Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh Orya Osge Osma Ougr Palm Pauc Perm ' +
  'Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sidt Sind Sinh Sogd Sogo Sora Soyo ' +
  'Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Tayo Telu Tfng Tglg Thaa Thai Tibt Tirh Tnsa Todr Tols Toto ' +
  'Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb';

/** Each script the running Node knows, with its test; a code an older engine lacks is left out. */
const SCRIPTS: [string, RegExp][] = SCRIPT_CODES.split(' ').flatMap((code) => {
  try {
    return [[code, new RegExp(`^\\p{Script_Extensions=${code}}$`, 'u')] as [string, RegExp]];
  } catch {
    return [];
  }
});

/** The ISO 15924 codes of the scripts this Node knows. */
export const knownScripts = (): string[] => SCRIPTS.map(([code]) => code);

/** Characters every script uses: digits, punctuation, spaces (Common), and marks that take the script of their base (Inherited). */
const SHARED = /^[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]$/u;

/** A character of no script Node knows (newer than its data): a script of its own. */
const UNKNOWN = 'Zzzz';

/**
 * Writing systems that mix in ordinary text, as UTS #39 augments them: Japanese (Jpan) is Han,
 * Hiragana and Katakana; Korean (Kore) Han and Hangul; Han with Bopomofo (Hanb) is Chinese.
 */
const AUGMENTED: Record<string, string[]> = {
  Hani: ['Hanb', 'Jpan', 'Kore'],
  Hira: ['Jpan'],
  Kana: ['Jpan'],
  Hang: ['Kore'],
  Bopo: ['Hanb'],
};

/** The combinations above are no script a character has: left out of messages. */
const COMBINATIONS = new Set(Object.values(AUGMENTED).flat());

const LONG_NAMES: Record<string, string> = {
  Latn: 'Latin',
  Cyrl: 'Cyrillic',
  Grek: 'Greek',
  Armn: 'Armenian',
  Cher: 'Cherokee',
  Lisu: 'Lisu',
  Copt: 'Coptic',
  Geor: 'Georgian',
  Arab: 'Arabic',
  Hebr: 'Hebrew',
  Hani: 'Han',
  Hira: 'Hiragana',
  Kana: 'Katakana',
  Hang: 'Hangul',
  Bopo: 'Bopomofo',
  Deva: 'Devanagari',
  Thai: 'Thai',
};

/** A script's name for a message: its English name when common, else its ISO 15924 code. */
export const scriptName = (code: string): string => LONG_NAMES[code] ?? code;

/**
 * The scripts a character belongs to (its Script_Extensions), or null when every script shares it.
 * Some 170 tests a character, uncached: names are checked only when an admin gives one.
 */
export function scriptsOf(ch: string): string[] | null {
  if (SHARED.test(ch)) return null;
  const own = SCRIPTS.filter(([, test]) => test.test(ch)).map(([code]) => code);
  return own.length === 0 ? [UNKNOWN] : own;
}

/** Two characters of `text` from different scripts, the first found. */
export interface ScriptMix {
  /** The scripts of the letters before `character`, which `character` shares none of. */
  before: string[];
  character: string;
  /** The scripts `character` belongs to. */
  its: string[];
}

/**
 * Where `text` mixes scripts, or null when one script (or one augmented set: Japanese, Korean,
 * Chinese with Bopomofo) holds every character that is not Common or Inherited. The scripts of
 * all characters must intersect (UTS #39's resolved script set), so a character in several
 * scripts (a Han character in Japanese and Chinese) goes with any of them.
 */
export function scriptMix(text: string): ScriptMix | null {
  let resolved: Set<string> | null = null;
  for (const ch of text) {
    const own = scriptsOf(ch);
    if (own === null) continue;
    const augmented = new Set(own.flatMap((code) => [code, ...(AUGMENTED[code] ?? [])]));
    if (resolved === null) {
      resolved = augmented;
      continue;
    }
    const left: Set<string> = new Set([...resolved].filter((code) => augmented.has(code)));
    if (left.size === 0) return { before: [...resolved].filter((code) => !COMBINATIONS.has(code)), character: ch, its: own };
    resolved = left;
  }
  return null;
}
