/**
 * DEVTRUST_DATABASE_URL as start-up messages may show it: where the collector connects, and as
 * whom, never the password (a terminal, a journal and a support ticket all keep what is printed).
 */
export function shownDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== '') url.password = '***';
    url.search = '';
    return url.href;
  } catch {
    return 'the URL it names';
  }
}

/**
 * A database the collector cannot open (a wrong password, a server not running, a missing
 * database): the message names the setting to look at, which the driver's own message does not.
 */
export function databaseStartError(databaseUrl: string | null, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const where =
    databaseUrl === null
      ? 'the SQLite database in DEVTRUST_DATA_DIR'
      : `the PostgreSQL database of DEVTRUST_DATABASE_URL (${shownDatabaseUrl(databaseUrl)})`;
  return new Error(`cannot open ${where}: ${message}`, { cause: error });
}
