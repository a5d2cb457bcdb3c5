/**
 * Loading and checking every brief: what `briefing check` does (read, parse,
 * validate, cross-check), in a fresh process, timed around loadBriefs.
 */
import path from 'node:path';
import { loadBriefs } from '../../src/briefs/load.js';
import { loadConfig } from '../../src/config/load.js';
import { report, taskArgs } from '../lib/child.js';

const args = taskArgs();
const root = path.resolve(args.root!);
const config = loadConfig({ root, env: {} });
const start = performance.now();
const result = await loadBriefs([config.briefsDir], config.themes);
const ms = performance.now() - start;
report({ ms, files: result.files, briefs: result.briefs.length, problems: result.problems.length });
