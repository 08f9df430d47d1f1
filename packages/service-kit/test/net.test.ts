import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePort } from '../src/index.ts';

describe('freePort', () => {
  it('gives a port a server can listen on at 127.0.0.1', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536, String(port));
    const server = createServer().listen(port, '127.0.0.1');
    await once(server, 'listening');
    server.close();
  });
});
