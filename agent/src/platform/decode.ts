/**
 * Turns a command's output bytes into text in the encoding the command wrote them in.
 * Windows console tools do not write UTF-8: reg.exe and sc.exe write the OEM code page
 * (850 on a German machine, 437 on a US one), and some tools write UTF-16LE. Decoding
 * those bytes as UTF-8 turns "ungültig" into "ung�ltig" and UTF-16 into NUL-riddled
 * text no parser can read. Unix tools write UTF-8.
 */

/** The upper halves (0x80–0xFF) of the two OEM code pages WHATWG's TextDecoder does not know. */
const OEM_UPPER_HALVES: Record<number, string> = {
  437: 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0',
  850: 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0',
};

/** Code pages TextDecoder decodes, by the label it knows them under. */
const DECODER_LABELS: Record<number, string> = {
  866: 'ibm866',
  874: 'windows-874',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  1250: 'windows-1250',
  1251: 'windows-1251',
  1252: 'windows-1252',
  1253: 'windows-1253',
  1254: 'windows-1254',
  1255: 'windows-1255',
  1256: 'windows-1256',
  1257: 'windows-1257',
  1258: 'windows-1258',
  65001: 'utf-8',
};

/** Whether a code page can be decoded here (so a caller can say "unknown code page" instead of guessing). */
export function knownCodePage(codePage: number): boolean {
  return Object.hasOwn(OEM_UPPER_HALVES, codePage) || Object.hasOwn(DECODER_LABELS, codePage);
}

function decodeCodePage(bytes: Uint8Array, codePage: number): string | null {
  const upper = OEM_UPPER_HALVES[codePage];
  if (upper !== undefined) {
    let out = '';
    for (const byte of bytes) out += byte < 0x80 ? String.fromCharCode(byte) : upper[byte - 0x80];
    return out;
  }
  const label = DECODER_LABELS[codePage];
  if (label === undefined) return null;
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return null; // a Node built without full ICU knows only UTF-8/16 and Latin-1
  }
}

/**
 * UTF-16LE without a byte-order mark: text that is mostly ASCII has a NUL in nearly
 * every odd byte. Nothing a Windows tool writes in a single-byte code page has that.
 */
function looksUtf16le(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes.length % 2 !== 0) return false;
  let zeroOdd = 0;
  let zeroEven = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    if (bytes[i] === 0) zeroEven++;
    if (bytes[i + 1] === 0) zeroOdd++;
  }
  const pairs = bytes.length / 2;
  return zeroOdd >= pairs * 0.6 && zeroEven < pairs * 0.1;
}

function validUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Decodes a command's output: a byte-order mark wins (UTF-8 or UTF-16LE), then UTF-16LE
 * recognised by its NULs; then, when the command writes a known code page (`codePage`,
 * e.g. the OEM code page for reg.exe), that code page; otherwise UTF-8, and Latin-1 for
 * bytes that are not UTF-8 (every byte stays visible rather than becoming U+FFFD).
 */
export function decodeOutput(bytes: Uint8Array, codePage?: number): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return Buffer.from(bytes.subarray(2)).toString('utf16le');
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return Buffer.from(bytes.subarray(3)).toString('utf8');
  if (looksUtf16le(bytes)) return Buffer.from(bytes).toString('utf16le');
  if (codePage !== undefined && codePage !== 65001) {
    const text = decodeCodePage(bytes, codePage);
    if (text !== null) return text;
  }
  return validUtf8(bytes) ?? Buffer.from(bytes).toString('latin1');
}
