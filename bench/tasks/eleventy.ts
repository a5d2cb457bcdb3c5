/**
 * Baseline: bare Eleventy 3 building the same briefs as plain Markdown files
 * with one Nunjucks layout (see corpus.ts), programmatically, in a fresh process.
 * Timed from `new Eleventy` to the end of `write()`; imports are not timed,
 * on either side.
 */
import path from 'node:path';
import { countFiles, moveAside } from '../lib/files.js';
import { report, taskArgs } from '../lib/child.js';

const args = taskArgs();
const dir = path.resolve(args.dir!);
const out = path.resolve(args.out!);
// Moved aside, not deleted: see moveAside.
moveAside(out, args.trash!);
// Eleventy resolves its folders from the working directory, as in a real project.
process.chdir(dir);

// A string specifier: Eleventy ships no type declarations.
const specifier = '@11ty/eleventy';
const { default: Eleventy } = (await import(specifier)) as {
  default: new (input: string, output: string, options: Record<string, unknown>) => { write(): Promise<unknown> };
};
const start = performance.now();
const elev = new Eleventy('src', out, { quietMode: true, configPath: path.join(dir, 'eleventy.config.mjs') });
await elev.write();
const ms = performance.now() - start;
report({ ms, files: countFiles(out, '.html') });
