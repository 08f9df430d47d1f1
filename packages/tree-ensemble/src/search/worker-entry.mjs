// Worker threads do not run the parent's `--import tsx` on Node 20, so the worker registers tsx
// itself before loading the TypeScript worker (the package has no build step).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
