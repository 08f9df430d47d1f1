import type { FastifyInstance } from 'fastify';

/**
 * While the server closes, answers still in flight end their connection (`Connection: close`).
 * Node only closes the connections that are idle when close() starts; a keep-alive connection
 * busy at that moment would otherwise stay open until keepAliveTimeout and hold up the exit.
 */
export function registerGracefulClose(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
