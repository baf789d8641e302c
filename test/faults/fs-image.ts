import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep } from './collector-process.js';

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function has(command: string): boolean {
  try {
    run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

/** Why a loop-device filesystem cannot be made here, or false when it can. */
export function fsImageSkip(): string | false {
  if (process.platform !== 'linux') return 'loop devices are Linux only';
  if (process.getuid?.() !== 0) return 'needs root (losetup, mount); .ci/run runs as root';
  for (const tool of ['losetup', 'mkfs.ext4', 'mount', 'umount', 'e2fsck', 'fallocate']) if (!has(tool)) return `${tool} is not installed`;
  if (!existsSync('/dev/loop-control')) return 'no /dev/loop-control (loop devices unavailable in this container)';
  return false;
}

/**
 * A small ext4 filesystem on a loop device, mounted in a temp dir: something a test can
 * fill up or force read-only under a running collector, and give back. `close()` unmounts
 * and frees the loop device whatever state it is in.
 */
export class FsImage {
  private constructor(
    readonly dir: string,
    readonly mountPoint: string,
    readonly device: string,
    private readonly image: string,
  ) {}

  static create(sizeMb = 64): FsImage {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-fsimage-'));
    const image = path.join(dir, 'fs.img');
    const mountPoint = path.join(dir, 'mnt');
    mkdirSync(mountPoint);
    run('truncate', ['-s', `${sizeMb}M`, image]);
    // -m 0: no blocks reserved for root (the collector runs as root here and would use them).
    run('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
    const device = run('losetup', ['--find', '--show', image]).trim();
    const fs = new FsImage(dir, mountPoint, device, image);
    try {
      run('mount', ['-o', 'errors=remount-ro', device, mountPoint]);
    } catch (error) {
      fs.close();
      throw error;
    }
    return fs;
  }

  /** Takes every free block with one file, as a runaway log would. */
  fill(): void {
    // One file where possible; fallocate needs room for its own extent blocks, so what a
    // request cannot take goes to smaller ones until no block is left.
    let chunk = this.freeBytes();
    for (let i = 0; i < 100 && this.freeBytes() > 0; i++) {
      chunk = Math.min(chunk, this.freeBytes());
      try {
        run('fallocate', ['-l', String(chunk), path.join(this.mountPoint, `filler${i}`)]);
      } catch {
        chunk = Math.floor(chunk / 2);
        if (chunk < 4096) break;
      }
    }
  }

  private freeBytes(): number {
    const stats = statfsSync(this.mountPoint);
    return Number(stats.bavail) * Number(stats.bsize);
  }

  /** Frees what fill() took. */
  unfill(): void {
    for (const name of Array.from({ length: 100 }, (_, i) => `filler${i}`)) {
      const file = path.join(this.mountPoint, name);
      if (existsSync(file)) unlinkSync(file);
    }
  }

  /** The filesystem fails and the kernel makes it read-only (ext4's errors=remount-ro), with files open. */
  forceReadOnly(): void {
    run('mount', ['-o', 'remount,abort', this.mountPoint]);
  }

  private mountOptions(at = this.mountPoint): string | null {
    const line = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[1] === at);
    return line ? (line.split(' ')[3] ?? '') : null;
  }

  /**
   * What an operator does after an aborted filesystem: unmount, fsck, mount again. The old
   * superblock lives until the last file open on it is closed (the collector drops its
   * failed connection), and mounting the device meanwhile would bring that aborted one
   * back, so a scratch mount point shows when the device is free again.
   */
  async repair(deadlineMs = 30_000): Promise<void> {
    const end = Date.now() + deadlineMs;
    run('umount', ['-l', this.mountPoint]);
    const scratch = path.join(this.dir, 'scratch');
    mkdirSync(scratch, { recursive: true });
    for (;;) {
      run('mount', [this.device, scratch]);
      const options = this.mountOptions(scratch) ?? '';
      run('umount', [scratch]);
      if (!options.includes('abort') && !options.includes('emergency_ro')) break;
      if (Date.now() > end) {
        let holders = '';
        try {
          holders = run('sh', [
            '-c',
            `for p in /proc/[0-9]*; do ls -l $p/fd 2>/dev/null | grep -E 'devtrust.sqlite' | sed "s|^|$p |"; done | head -30`,
          ]);
        } catch {
          /* none */
        }
        throw new Error(`the filesystem stays aborted (${options}); still open on it:\n${holders}`);
      }
      await sleep(100);
    }
    try {
      run('e2fsck', ['-fy', this.device]);
    } catch {
      /* exit 1: errors corrected */
    }
    run('mount', ['-o', 'errors=remount-ro', this.device, this.mountPoint]);
  }

  close(): void {
    for (let i = 0; i < 5 && this.mountOptions() !== null; i++) {
      try {
        run('umount', ['-l', this.mountPoint]);
      } catch {
        break;
      }
    }
    try {
      run('losetup', ['-d', this.device]);
    } catch {
      /* already detached */
    }
    rmSync(this.dir, { recursive: true, force: true });
    void this.image;
  }
}
