/**
 * Briefing's full `build` (buildArchive) of a corpus, pages only or with the
 * search index, in a fresh process. Timed around the buildArchive call.
 * --cold=true moves the project's .cache aside first (untimed): the build a fresh
 * clone does; otherwise the cache is whatever the last build left, as in a
 * project built every week.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { countFiles, moveAside } from '../lib/files.js';
import { report, taskArgs } from '../lib/child.js';
import { part, type BuildArchive } from '../lib/parts.js';

const args = taskArgs();
const root = path.resolve(args.root!);
const out = path.resolve(args.out!);
const search = args.search === 'true';
// Moved aside, not deleted: see moveAside.
moveAside(out, args.trash!);
if (args.cold === 'true') moveAside(path.join(root, '.cache'), args.trash!);

const buildArchive = await part<BuildArchive>('archive/build', 'buildArchive');
const config = loadConfig({ root, env: { BRIEFING_DATA_DIR: path.join(root, 'data') } });
const start = performance.now();
const result = await buildArchive(config, { outDir: out, strict: false, log: silentLogger, search });
const ms = performance.now() - start;
report({ ms, pages: result.pages, html: countFiles(out, '.html'), files: countFiles(out), problems: result.problems.length });
