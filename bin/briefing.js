#!/usr/bin/env node
// Runs the CLI from lib/, src/ compiled to plain JavaScript (bin/compile.js
// keeps it up to date). When lib/ cannot be made (a folder this user cannot
// write, a syntax error), it runs src/ through tsx instead, which works the
// same but costs every process ~35 MB and ~0.3 s for tsx's loader thread.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import createDebug from 'debug';
import { compiled } from './compile.js';

const root = path.resolve(import.meta.dirname, '..');
const lib = await compiled(root).catch((error) => {
  createDebug('Briefing:compile')('running src/ through tsx: %s', error instanceof Error ? error.message : error);
  return undefined;
});
if (lib) {
  await import(pathToFileURL(path.join(lib, 'cli.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
