/**
 * The README's "try next" block, word for word, on what a fresh clone has
 * (the config and the sample briefs, no editions, no data), after `npm start`
 * has run once: the new brief reaches an edition, and no file is deleted on
 * the way. The block's one comment line is the writer's part: the test
 * writes the brief and sets status: ready, as it says.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../delivery/edition-project.js';
import { ROOT } from '../helpers/project.js';
import { startService } from '../service/child.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'briefing-readme-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The shell lines of the fenced block after "What a new user can try next". */
function tryNextBlock(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /What a new user can try next[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no "try next" block');
  return block[1]!.split('\n').filter((l) => l.trim());
}

/** `npx briefing …  # comment` → the arguments, as a POSIX shell splits them (quotes, no expansions used). */
function argsOf(line: string): string[] {
  const command = line.replace(/\s+#.*$/, '');
  const words = [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  expect(words.slice(0, 2)).toEqual(['npx', 'briefing']);
  return words.slice(2);
}

/** Every file under the folder, relative, so a deletion shows. */
const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name))) : [];

describe('the README’s try-next block', () => {
  it('run word for word after `npm start`, gets the new brief into an edition without deleting any file', { timeout: 240_000 }, async () => {
    cpSync(path.join(ROOT, 'briefing.config.yml'), path.join(root, 'briefing.config.yml'));
    cpSync(path.join(ROOT, 'briefs'), path.join(root, 'briefs'), { recursive: true });
    const env = { BRIEFING_DATA_DIR: path.join(root, 'data'), SMTP_URL: '', BRIEFING_SECRET: '' };

    // `npm start`, once: it assembles today's edition from the sample briefs, builds and serves.
    const service = startService(['start', '--port', '0'], { cwd: root, env });
    await service.waitFor(/^Briefing is running\./, { timeoutMs: 120_000 });
    // The new file in the work tree is explained: editions are records to commit.
    expect(service.output()).toMatch(/Assembled the first edition, #1, in editions\/\S+\.md .*commit editions\/ with your briefs\./);
    expect(await service.stop()).toBe(0);
    const editions = readdirSync(path.join(root, 'editions'));
    expect(editions).toHaveLength(1);

    let seen = new Set([...filesUnder(path.join(root, 'briefs')), ...filesUnder(path.join(root, 'editions'))]);
    let newBrief: string | undefined;
    let assembled = '';
    for (const line of tryNextBlock()) {
      if (line.trim().startsWith('#')) {
        // The writer's part: write the brief `new` printed the path of, and set status: ready.
        expect(line).toMatch(/set status: ready/);
        const file = path.join(root, newBrief!);
        const text = readFileSync(file, 'utf8')
          .replace(/^summary: .*$/m, 'summary: The Commerce Department added more Chinese chip makers to its entity list.')
          .replace(/^why_it_matters: .*$/m, 'why_it_matters: Fewer suppliers can sell advanced tools to them.')
          .replace(/^status: draft$/m, 'status: ready')
          .replace(/^- .*\n/gm, '')
          .concat('- The list grew by a dozen companies.\n- The rules take effect at once.\n');
        writeFileSync(file, text);
        continue;
      }
      const args = argsOf(line);
      const result = await runCliAsync(args, { cwd: root, env });
      expect(result.status, `${line}\n${result.stdout}${result.stderr}`).toBe(0);
      if (args[0] === 'new') newBrief = result.stdout.trim();
      if (args[0] === 'assemble') assembled = result.stdout;
      // Nothing the writer has is ever deleted.
      const now = new Set([...filesUnder(path.join(root, 'briefs')), ...filesUnder(path.join(root, 'editions'))]);
      expect([...seen].filter((f) => !now.has(f)), line).toEqual([]);
      seen = now;
    }

    const id = path.basename(newBrief!, '.md');
    expect(assembled).toMatch(new RegExp(`draft edition #1 of \\d{4}-\\d\\d-\\d\\d, now 5 briefs \\(added ${id}\\)`));
    const edition = readFileSync(path.join(root, 'editions', editions[0]!), 'utf8');
    expect(edition).toContain(`- ${id}`);
    // The last line sent it: the edition is sent (and frozen), and the subscriber's message is in the outbox.
    expect(edition).toMatch(/^sent_at: "/m);
    const outbox = path.join(root, 'data/outbox', path.basename(editions[0]!, '.md'));
    expect(readdirSync(outbox).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    // `build` ran before the send; the sample publishes on the edition's date, so the brief is on the site.
    expect(existsSync(path.join(root, 'dist/briefs', id, 'index.html'))).toBe(true);
  });
});
