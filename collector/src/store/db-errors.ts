/**
 * What a database error means for the service, whichever database raised it. The kinds
 * are what an operator acts on (a full disk, a read-only database, an unreachable server);
 * they name the metrics, the log lines and the /readyz answer.
 */
export type DbFaultKind = 'read_only' | 'disk_full' | 'io_error' | 'unreachable' | 'busy' | 'corrupt' | 'other';

export const DB_FAULT_KINDS: readonly DbFaultKind[] = ['read_only', 'disk_full', 'io_error', 'unreachable', 'busy', 'corrupt', 'other'];

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** PostgreSQL's protocol_violation (class 08, but the fault of what was sent, not of the connection). */
const PROTOCOL_VIOLATION = '08P01';

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The kind of a database error, or null when the error is not the database's (a bug, a
 * bad argument). SQLite codes come from node-sqlite3 (`SQLITE_FULL`, …; extended codes
 * appear in the message), PostgreSQL ones are SQLSTATEs.
 */
export function dbFaultKind(error: unknown): DbFaultKind | null {
  if (error === null || typeof error !== 'object') return null;
  const code = codeOf(error);
  const message = messageOf(error);
  if (code.startsWith('SQLITE_')) {
    if (code === 'SQLITE_READONLY') return 'read_only';
    if (code === 'SQLITE_FULL') return 'disk_full';
    if (code === 'SQLITE_IOERR' || code === 'SQLITE_CANTOPEN') return message.includes('SQLITE_READONLY') ? 'read_only' : 'io_error';
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'busy';
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return 'corrupt';
    return 'other';
  }
  if (NETWORK_CODES.has(code)) return 'unreachable';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (code === '25006') return 'read_only';
    if (code === '53100') return 'disk_full';
    if (code === '58030') return 'io_error';
    // 08P01, protocol_violation: what we sent was malformed (a statement past the 65,535 bound
    // parameters node-postgres does not check), a fault of our code, not of the database.
    if (code === PROTOCOL_VIOLATION) return 'other';
    // 57P01-03: the server is shutting down or starting; 08: the connection failed; 53300: too many connections.
    if (code.startsWith('57P') || code.startsWith('08') || code === '53300') return 'unreachable';
    if (code === '40001' || code === '40P01' || code === '55P03') return 'busy';
    if (code === 'XX001' || code === 'XX002') return 'corrupt';
    return 'other';
  }
  const name = (error as { name?: unknown }).name;
  // The pool found no connection in time (the server is down or every connection is stuck).
  if (name === 'KnexTimeoutError') return 'unreachable';
  // node-postgres when the server goes away under a connection.
  if (/Connection terminated|Client has encountered a connection error|Connection ended unexpectedly/i.test(message)) return 'unreachable';
  return null;
}

const STATEMENT = /^(select|insert|update|delete|with|begin|commit|rollback|savepoint|release|pragma|create|alter|drop)\b/i;

/** Errors after which a pooled connection must not be used again: a fresh one may work. */
export function discardsConnection(error: unknown): boolean {
  // After a protocol violation the connection's state is not worth trusting: a new one costs little.
  if (codeOf(error) === PROTOCOL_VIOLATION) return true;
  const kind = dbFaultKind(error);
  if (kind === 'read_only' || kind === 'unreachable' || kind === 'io_error' || kind === 'corrupt') return true;
  // A full disk may leave SQLite's transaction half-open; a new connection starts clean.
  return kind === 'disk_full' && codeOf(error).startsWith('SQLITE_');
}

/** Can the caller expect the same request to work later (a fault of the database, not of the request)? */
export function isTransientDbFault(error: unknown): boolean {
  const kind = dbFaultKind(error);
  return kind !== null && kind !== 'other';
}

/**
 * An error made safe to log: its database code and the database's own words, without the
 * SQL values knex prefixes (usernames, identifiers) or PostgreSQL's `detail`, which quotes
 * row values ("Key (public_key)=(…) already exists").
 */
export function dbErrorForLog(error: unknown): { kind: DbFaultKind | null; code: string | null; message: string } {
  const message = messageOf(error);
  const code = codeOf(error);
  // knex prefixes the statement, then " - " and the driver's words; keep the driver's part.
  const at = code.startsWith('SQLITE_') ? message.indexOf(' - SQLITE_') : STATEMENT.test(message) ? message.indexOf(' - ') : -1;
  const own = at >= 0 ? message.slice(at + 3) : message;
  return { kind: dbFaultKind(error), code: code || null, message: own.slice(0, 500) };
}

/**
 * Whether the error is a unique index refusing a duplicate: on PostgreSQL the index is named
 * (SQLSTATE 23505), SQLite names the indexed column(s) in its message instead.
 */
export function isUniqueViolation(error: unknown, index: { name: string; columns: string }): boolean {
  const code = codeOf(error);
  if (code === '23505') return (error as { constraint?: unknown }).constraint === index.name;
  return code === 'SQLITE_CONSTRAINT' && messageOf(error).includes(`UNIQUE constraint failed: ${index.columns}`);
}

/** PostgreSQL's deadlock_detected: the server rolled back the statement or transaction it aborted. */
const DEADLOCK = '40P01';

/** How long a unit aborted for a deadlock waits before it runs again, at most (ms, times the attempt). */
const DEADLOCK_BACKOFF_MS = 50;

/**
 * Runs a unit of work again when PostgreSQL aborted it for a deadlock, up to `attempts` runs in
 * all. The unit must be what the deadlock rolled back, one statement or one transaction, never
 * more: run again, work that had committed would be done twice (a report batch's statement would
 * find its sequence numbers no longer newer and answer stored reports as replays).
 *
 * It waits a little first (a random share of DEADLOCK_BACKOFF_MS times the attempt). Run again at
 * once, it took the rows the other transaction was waiting for before that one's backend woke up
 * (PostgreSQL grants a row whose locker rolled back to whoever asks first), then waited for that
 * transaction's own rows: the same deadlock again, and on a loaded machine the last attempt with it.
 */
export async function retryDeadlock<T>(unit: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await unit();
    } catch (error) {
      if (codeOf(error) !== DEADLOCK || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(Math.random() * DEADLOCK_BACKOFF_MS * attempt)));
    }
  }
}
