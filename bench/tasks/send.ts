/**
 * Briefing's `send` (4a): sendEdition of the latest edition to every
 * subscriber in `--data` (prepared by tasks/subscribers.ts), over SMTP to the
 * sink, with the project's delivery settings (pooled). Timed around the
 * sendEdition call: loading the edition, rendering its variants, the
 * delivery log and the SMTP conversation all count.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { report, taskArgs } from '../lib/child.js';
import { part, type SendEdition } from '../lib/parts.js';

const args = taskArgs();
const root = path.resolve(args.root!);
const sendEdition = await part<SendEdition>('delivery/send', 'sendEdition');
const config = loadConfig({
  root,
  env: { BRIEFING_DATA_DIR: path.resolve(args.data!), SMTP_URL: args.smtp!, BRIEFING_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef' },
});
const start = performance.now();
const summary = await sendEdition(config, { edition: 'latest', log: silentLogger });
const ms = performance.now() - start;
report({ ms, summary });
