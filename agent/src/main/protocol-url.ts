/** The URL scheme the prompt page falls back to when no loopback port answers. */
export const PROTOCOL_SCHEME = 'devtrust';

/** Same rule as the loopback door's: what a collector transaction id can look like. */
export const TX_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Pure: the transaction id of a `devtrust://attest?tx=…` URL, or null for anything else.
 * The URL comes from any web page or app on the machine, so it is parsed strictly:
 * one action, one `tx` parameter, no credentials, no fragment, nothing else.
 */
export function attestTxFromUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 512 || !raw.toLowerCase().startsWith(`${PROTOCOL_SCHEME}:`)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (
    url.protocol !== `${PROTOCOL_SCHEME}:` ||
    url.hostname.toLowerCase() !== 'attest' ||
    url.port !== '' ||
    url.username !== '' ||
    url.password !== '' ||
    url.hash !== ''
  )
    return null;
  if (url.pathname !== '' && url.pathname !== '/') return null;
  const keys = [...url.searchParams.keys()];
  if (keys.length !== 1 || keys[0] !== 'tx') return null;
  const tx = url.searchParams.get('tx') ?? '';
  return TX_ID.test(tx) ? tx : null;
}

/** Windows hands the URL to a new process as an argument (after `--`, see the MSI). */
export function protocolUrlInArgv(argv: readonly string[]): string | null {
  return argv.find((arg) => arg.toLowerCase().startsWith(`${PROTOCOL_SCHEME}:`)) ?? null;
}
