import path from 'node:path';
import { CommandLineError } from '@devtrust/shared/cli/command-line';
import { defaultDataDir, parseFlags } from '../config/config.js';
import { loadOrCreateLoopbackCert, trustCommand } from './tls.js';

/**
 * `devtrust-agent loopback-cert [--data-dir DIR]`: makes (or reuses) the loopback door's
 * certificate and prints its file path, so an install script can trust it:
 *   security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "$(devtrust-agent loopback-cert)"
 * The trust command itself is printed on stderr, as a hint.
 */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CommandIo = { out: (text) => void process.stdout.write(text), err: (text) => void process.stderr.write(text) };

export async function loopbackCertCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  let dataDir: string;
  try {
    const flags = parseFlags(argv, { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } });
    if (flags.help) {
      io.out('devtrust-agent loopback-cert [--data-dir DIR]: make or reuse the loopback HTTPS certificate; prints its path\n');
      return 0;
    }
    dataDir = path.resolve(flags.dataDir ?? process.env.DEVTRUST_AGENT_DATA_DIR ?? defaultDataDir());
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    io.err(`devtrust-agent loopback-cert: ${error.message}\n`);
    return 2;
  }
  try {
    const cert = await loadOrCreateLoopbackCert(dataDir);
    io.out(`${cert.certFile}\n`);
    const trust = trustCommand(process.platform, cert.certFile);
    if (trust)
      io.err(
        `${cert.created ? 'new certificate' : 'certificate'} valid until ${cert.notAfter.toISOString()}; trust it with: ${trust.command} ${trust.args.join(' ')}\n`,
      );
    return 0;
  } catch (error) {
    io.err(`devtrust-agent loopback-cert: cannot write in ${dataDir}: ${(error as Error).message}\n`);
    return 1;
  }
}
