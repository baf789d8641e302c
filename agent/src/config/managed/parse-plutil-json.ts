/**
 * Pure parser for `plutil -convert json -o - <plist>` output: one JSON object (Apple's
 * serializer writes "/" as "\/", which JSON.parse reads). A managed-preferences plist is
 * a dictionary at the top; anything else is a broken profile.
 */
export function parsePlutilJson(output: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(output);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('the managed preferences plist is not a dictionary');
  }
  return parsed as Record<string, unknown>;
}
