import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const RENDERER_DIR = fileURLToPath(new URL('../../src/renderer/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript' };

/**
 * One of a window's renderer files as the packaged app has it: HTML and CSS as written, `X.js`
 * compiled from `X.ts`. Only the files the window names are served, so a page that loads
 * anything else fails its test.
 */
export function rendererFile(name: string, windowFiles: readonly string[]): { body: string; contentType: string } | null {
  if (!windowFiles.includes(name)) return null;
  const extension = path.extname(name);
  if (extension === '.js') {
    const source = readFileSync(path.join(RENDERER_DIR, `${name.slice(0, -3)}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    return { body: outputText, contentType: TYPES['.js'] as string };
  }
  const contentType = TYPES[extension];
  return contentType ? { body: readFileSync(path.join(RENDERER_DIR, name), 'utf8'), contentType } : null;
}
