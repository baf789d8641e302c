import { readFileSync } from 'node:fs';

/** A vendor-documented sample response kept under ./fixtures. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}
