/**
 * Whether a hostname names another endpoint's id, read as a person reads it. An agent chooses its
 * hostname, and `ер_6с3…` (Cyrillic е, р, с), hex with Cyrillic а/с/е or Greek ο, U+2011
 * non-breaking hyphens for '-' or U+FF3F FULLWIDTH LOW LINE for '_' all read as the victim's
 * `ep_6c3…` while an ASCII pattern misses them. So hostnames are compared on a skeleton: each
 * character through NFKD (fullwidth, mathematical and circled letters and digits become ASCII;
 * accents come apart), marks dropped (a dot under a digit still reads as the digit), then the
 * look-alikes of the id's alphabet (e p _ 0-9 a-f -) mapped to it. Only that alphabet matters:
 * a look-alike of a letter no id holds (Cyrillic х ѕ і ј) cannot make text read as an id.
 * Such hostnames are marked, not refused: IDN hostnames are real, and a Cyrillic `сервер-1` is
 * someone's computer; only one that reads as another endpoint's id is marked.
 * The console holds the same function (console/assets/js/endpoint-id-skeleton.js); a test runs
 * both over the same cases.
 */

/** Each ASCII character of an id, and what imitates it (upper case folds to lower case after). */
const LOOK_ALIKES: Record<string, string> = {
  a: '\u0430\u0410\u03b1\u0391\u0251', // Cyrillic а А, Greek α Α, Latin alpha ɑ
  b: '\u0412\u0392\u042c\u044c\u0184\u0185', // Cyrillic В, Greek Β, Cyrillic Ь ь, Ƅ ƅ
  c: '\u0441\u0421\u03f2\u03f9', // Cyrillic с С, Greek lunate sigma ϲ Ϲ
  d: '\u0501', // Cyrillic ԁ
  e: '\u0435\u0415\u03b5\u0395\u04bd\u212e', // Cyrillic е Е, Greek ε Ε, ҽ, ℮
  f: '\u03dc', // Greek digamma Ϝ
  p: '\u0440\u0420\u03c1\u03a1', // Cyrillic р Р, Greek ρ Ρ
  '0': 'oO\u043e\u041e\u03bf\u039f', // Latin, Cyrillic and Greek o O: no id holds an o
  '1': 'lI\u0406\u04c0', // Latin l I, Cyrillic І, palochka Ӏ
  '3': '\u0437\u0417', // Cyrillic з З
  '6': '\u0431', // Cyrillic б
  // Hyphens and dashes (U+2011 NON-BREAKING HYPHEN among them), minus signs, the Katakana long
  // vowel mark and the box-drawing line; the fullwidth and small hyphen-minus NFKD already makes '-'.
  '-': '\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u02d7\u058a\u2796\u2e3a\u2e3b\u30fc\u2500',
  // Low lines: NFKD makes U+FF3F, U+FE4D–U+FE4F and U+FE33/U+FE34 '_', but U+2017 DOUBLE LOW
  // LINE a space and a mark, so it is mapped before NFKD; U+02CD MODIFIER LETTER LOW MACRON.
  _: '\uff3f\ufe4d\ufe4e\ufe4f\ufe33\ufe34\u2017\u02cd',
};

const TO_ASCII = new Map(Object.entries(LOOK_ALIKES).flatMap(([ascii, chars]) => [...chars].map((c) => [c, ascii] as const)));

const MARK = /\p{M}/u;

/** `text` as it reads against an endpoint id: look-alikes of `ep_`, hex digits and '-' as those, in lower case. */
export function idSkeleton(text: string): string {
  let out = '';
  for (const ch of text) {
    const mapped = TO_ASCII.get(ch);
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    for (const part of ch.normalize('NFKD')) if (!MARK.test(part)) out += TO_ASCII.get(part) ?? part;
  }
  return out.toLowerCase();
}

/** An endpoint id anywhere in a text (global: for matchAll and replace, which each start at 0). */
export const ENDPOINT_ID = /ep_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gu;

/** Whether `hostname` reads as holding an endpoint id other than `id`, the endpoint's own. */
export function namesOtherEndpoint(id: string, hostname: string | null | undefined): boolean {
  const own = idSkeleton(id);
  return [...idSkeleton(hostname ?? '').matchAll(ENDPOINT_ID)].some((m) => m[0] !== own);
}
