import fp from 'fastify-plugin';
import { ModelManager, type ModelManagerOptions } from '../model/model-manager.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The served model, and the others loaded per request. */
    models: ModelManager;
  }
}

/**
 * The model manager's lifecycle: created with the app, loading from the moment the app is ready
 * (in the background: the server listens at once and /readyz says when a model serves), stopped
 * when the app closes.
 */
export const modelManagerPlugin = fp<ModelManagerOptions>(
  async (app, options) => {
    const manager = new ModelManager(options);
    app.decorate('models', manager);
    app.addHook('onReady', async () => {
      void manager.start();
    });
    app.addHook('onClose', () => manager.stop());
  },
  { name: 'model-manager' },
);
