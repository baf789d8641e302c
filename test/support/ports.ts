import net from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now, for a process that must be told its port before it
 * starts (a spawned binary, a server that comes back on the same port). Anything that can
 * listen on port 0 itself should: another process may take this one before it is used.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
