import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1: for a child process a service starts (the
 * trainer's data API, the sweep's replicas). @covertype/testkit has its own for tests, since
 * service-kit's tests depend on testkit.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no free port on 127.0.0.1'));
      });
    });
  });
}
