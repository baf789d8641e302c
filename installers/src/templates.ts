import { readFile } from 'node:fs/promises';

/** installers/templates/, found the same way from src/ (tests) and dist/ (the bin). */
export const TEMPLATES_DIR = new URL('../templates/', import.meta.url);

export async function readTemplate(relative: string): Promise<string> {
  return readFile(new URL(relative, TEMPLATES_DIR), 'utf8');
}
