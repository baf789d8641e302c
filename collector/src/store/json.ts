/** JSON columns are TEXT on every database; these keep the parsing in one place. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** SQLite returns 0/1 for booleans, PostgreSQL true/false. */
export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

export function toNullableBool(value: unknown): boolean | null {
  return value === null || value === undefined ? null : toBool(value);
}
