import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { drawTrayIcon, encodePng } from '@devtrust/agent/main/tray-icons';

const agentDir = fileURLToPath(new URL('../../', import.meta.url));
const read = (relative: string) => readFileSync(path.join(agentDir, relative), 'utf8');

describe('packaging (checked as text: electron-builder itself never runs in npm test)', () => {
  const yml = read('electron-builder.yml');

  it('electron-builder.yml: app id, devtrust:// protocol, mac pkg/dmg hardened, win nsis/msi', () => {
    assert.match(yml, /^appId: com\.devtrust\.agent$/m);
    assert.match(yml, /^protocols:\n {2}- name: .+\n {4}schemes:\n {6}- devtrust$/m);
    assert.match(yml, /^mac:\n(?: {2}.*\n)*? {2}hardenedRuntime: true$/m);
    assert.match(yml, /^ {2}target:\n {4}- pkg\n {4}- dmg$/m);
    assert.match(yml, /^ {2}target:\n {4}- nsis\n {4}- msi$/m);
    assert.match(yml, /^ {4}LSUIElement: true$/m);
    assert.match(yml, /^ {2}main: dist\/main\/index\.js$/m);
  });

  it('the files it names exist; the pkg postinstall is executable; the package script is there', () => {
    for (const [, file] of yml.matchAll(/entitlements(?:Inherit)?: (\S+)/g)) assert.ok(existsSync(path.join(agentDir, file!)), file);
    assert.ok(statSync(path.join(agentDir, 'build/pkg-scripts/postinstall')).mode & 0o111);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.package ?? '', /electron-builder --config electron-builder\.yml/);
    assert.match(scripts['build:app'] ?? '', /copy-renderer/);
  });

  it('the postinstall trusts the certificate the app itself makes, in the System keychain', () => {
    const postinstall = read('build/pkg-scripts/postinstall');
    assert.match(postinstall, /DevTrust loopback-cert|"\$APP" loopback-cert/);
    assert.match(postinstall, /security add-trusted-cert -d -r trustRoot -k \/Library\/Keychains\/System\.keychain "\$cert"/);
  });

  it('draws the three tray icons side by side into test-artifacts/tray/icons.png (to look at)', () => {
    const size = 64;
    const width = size * 3 + 40;
    const height = size + 20;
    const pixels = new Uint8Array(width * height * 4).fill(235);
    ['connected', 'trusted', 'attention'].forEach((state, k) => {
      const icon = drawTrayIcon(state as 'trusted', size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const from = (y * size + x) * 4;
          const to = ((10 + y) * width + 10 + k * (size + 10) + x) * 4;
          const alpha = (icon[from + 3] as number) / 255;
          for (let c = 0; c < 3; c++)
            pixels[to + c] = Math.round((icon[from + c] as number) * alpha + (pixels[to + c] as number) * (1 - alpha));
        }
      }
    });
    const png = encodePng(width, height, pixels);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const out = fileURLToPath(new URL('../../../test-artifacts/tray/', import.meta.url));
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'icons.png'), png);
  });
});
