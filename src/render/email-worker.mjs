// A worker thread starts without the TypeScript loader of the thread that
// made it: register tsx, then run the worker itself (email-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./email-worker.ts');
