/** `text` for a LIKE pattern: its own `%`, `_` and `\` match themselves (with `escape '\'`). */
export const likeEscaped = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);
