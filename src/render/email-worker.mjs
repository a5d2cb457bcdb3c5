// A worker thread starts without the TypeScript loader of the thread that
// made it. Compiled (lib/, see bin/compile.js), the worker is plain
// JavaScript next to this file; from src/, register tsx and run the .ts.
import { existsSync } from 'node:fs';

const compiled = new URL('./email-worker.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./email-worker.ts');
}
