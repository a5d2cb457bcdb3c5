/**
 * Setup, not timed as a figure: a data folder with `--count` confirmed
 * subscribers spread over the 8 theme choices, imported with Briefing's own
 * CSV import (importSubscribers) into its SQLite database.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { report, taskArgs } from '../lib/child.js';
import { part } from '../lib/parts.js';
import { themeChoices } from '../lib/themes.js';

type OpenDatabase = (dataDir: string) => { close(): void; pragma(s: string): unknown };
type ImportSubscribers = (db: unknown, text: string, file: string, themes: unknown) => { added: number; problems: unknown[] };

const args = taskArgs();
const root = path.resolve(args.root!);
const dataDir = path.resolve(args.data!);
const count = Number(args.count);

const openDatabase = await part<OpenDatabase>('store/db', 'openDatabase');
const importSubscribers = await part<ImportSubscribers>('delivery/subscribers', 'importSubscribers');
const config = loadConfig({ root, env: { BRIEFING_DATA_DIR: dataDir } });
const choices = themeChoices(config.themes.map((t) => t.slug));
const rows = ['email,name,themes'];
for (let i = 0; i < count; i++) rows.push(`reader${i}@example.com,Reader ${i},${choices[i % choices.length]!.join(';')}`);

const start = performance.now();
const db = openDatabase(dataDir);
const result = importSubscribers(db, rows.join('\n') + '\n', 'bench.csv', config.themes);
db.pragma('wal_checkpoint(TRUNCATE)');
db.close();
if (result.added !== count) throw new Error(`imported ${result.added} of ${count} subscribers`);
report({ ms: performance.now() - start, added: result.added });
