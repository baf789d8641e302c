import { crc32, deflateSync } from 'node:zlib';
import type { ImagePort } from './electron-port.js';
import type { TrayState } from './status-view.js';

/**
 * Tray icons drawn in code: a coloured disc with a white mark per state (blue dot:
 * connected, green tick: trusted, amber "!": attention). Drawing them here rather than
 * shipping files keeps the three states in step with the code that picks them.
 */
const COLORS: Record<TrayState, [number, number, number]> = {
  connected: [0x25, 0x63, 0xeb],
  trusted: [0x16, 0xa3, 0x4a],
  attention: [0xd9, 0x77, 0x06],
};

type Shape = (x: number, y: number) => boolean;

function segment(ax: number, ay: number, bx: number, by: number, halfWidth: number): Shape {
  return (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= halfWidth;
  };
}
const disc =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) <= r;
const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((shape) => shape(x, y));

const MARKS: Record<TrayState, Shape> = {
  connected: disc(0.5, 0.5, 0.16),
  trusted: union(segment(0.29, 0.52, 0.44, 0.67, 0.075), segment(0.44, 0.67, 0.72, 0.36, 0.075)),
  attention: union(segment(0.5, 0.25, 0.5, 0.56, 0.08), disc(0.5, 0.74, 0.085)),
};

/** RGBA pixels of one icon, 4×4 supersampled for smooth edges. */
export function drawTrayIcon(state: TrayState, size: number): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  const body = disc(0.5, 0.5, 0.46);
  const mark = MARKS[state];
  const [r, g, b] = COLORS[state];
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let inBody = 0;
      let inMark = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          if (body(x, y)) {
            inBody++;
            if (mark(x, y)) inMark++;
          }
        }
      }
      const total = samples * samples;
      const white = inBody === 0 ? 0 : inMark / inBody;
      const offset = (py * size + px) * 4;
      pixels[offset] = Math.round(r + (255 - r) * white);
      pixels[offset + 1] = Math.round(g + (255 - g) * white);
      pixels[offset + 2] = Math.round(b + (255 - b) * white);
      pixels[offset + 3] = Math.round((255 * inBody) / total);
    }
  }
  return pixels;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A minimal PNG encoder: 8-bit RGBA, no filtering. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const trayIconPng = (state: TrayState, size: number): Buffer => encodePng(size, size, drawTrayIcon(state, size));

/** A 16 px icon with its 32 px @2x representation (Retina menu bar, high-DPI Windows). */
export function trayImage(nativeImage: { createEmpty(): ImagePort }, state: TrayState): ImagePort {
  const image = nativeImage.createEmpty();
  image.addRepresentation({ scaleFactor: 1, buffer: trayIconPng(state, 16) });
  image.addRepresentation({ scaleFactor: 2, buffer: trayIconPng(state, 32) });
  return image;
}
