/**
 * Every pre-send rule, each with an edition that fails it and one that
 * passes, run through the real preflight (real briefs, real renders, source
 * links on a loopback server); then `send` refusing an edition with an error,
 * `--force` sending it, and `preflight` as a command.
 */
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { writeEdition } from '../../src/editions/store.js';
import { preflight } from '../../src/preflight/preflight.js';
import { formatProblem, type Problem } from '../../src/problems.js';
import { openDatabase } from '../../src/store/db.js';
import { runCliAsync } from '../delivery/edition-project.js';
import { briefText, FIXTURES, tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

let server: http.Server;
let site: string;
beforeAll(async () => {
  server = http.createServer((req, res) => res.writeHead(req.url?.startsWith('/live') ? 200 : 404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const brief = (title: string, url: string, fields: Record<string, unknown> = {}) =>
  briefText({ title, date: '2026-11-20', themes: ['safety'], source: { name: 'Wire', url }, ...fields });

/** A project whose edition #2 (2026-11-30) holds `briefs`; edition #1 (sent) carried /live/first. */
async function project2(briefs: Record<string, string>, options: { config?: Record<string, unknown>; subject?: string; note?: string } = {}): Promise<TempProject> {
  const p = tempProject({ config: { preflight: { check_links: true, link_timeout_ms: 2000 }, ...options.config } });
  p.writeBrief('first.md', brief('The first story', `${site}/live/first`, { date: '2026-11-10' }));
  await writeEdition(p.editionsDir, { number: 1, date: '2026-11-16', briefs: ['first'], sent_at: '2026-11-16T07:00:00.000Z', note: '' });
  for (const [id, text] of Object.entries(briefs)) p.writeBrief(`${id}.md`, text);
  await writeEdition(p.editionsDir, { number: 2, date: '2026-11-30', briefs: Object.keys(briefs), note: options.note ?? '', ...(options.subject ? { subject: options.subject } : {}) });
  return p;
}

const run = async (p: TempProject): Promise<Problem[]> => (await preflight(p.config(), '2026-11-30')).problems;
const codes = (problems: Problem[]) => problems.map((p) => `${p.severity} ${p.code}`);
const good = () => ({ fine: brief('A fine story', `${site}/live/fine`) });

describe('preflight rules', () => {
  it('passes a finished edition with live, new source links', async () => {
    project = await project2(good());
    expect(await run(project)).toEqual([]);
  });

  it('template text and placeholders in a ready brief are errors; an empty why_it_matters is a warning', async () => {
    project = await project2({
      ...good(),
      'template-text': brief('Template', `${site}/live/t`, { summary: 'What happened, in one or two sentences.' }),
      placeholder: brief('Placeholder', `${site}/live/p`, { why_it_matters: 'TK once the minister speaks' }),
      'no-why': brief('No why', `${site}/live/w`, { why_it_matters: undefined }),
    });
    const problems = await run(project);
    expect(codes(problems)).toEqual(expect.arrayContaining(['error template-text', 'error placeholder', 'warning no-why', 'error missing-brief']));
    expect(problems.map(formatProblem)).toContainEqual(expect.stringMatching(/template-text\.md:\d+:\d+: summary is still the template text/));
  });

  it('a source URL an earlier edition used is an error at its line (tracking parameters, fragment and slash aside)', async () => {
    project = await project2({ ...good(), again: brief('The first story, again', `${site}/live/first/?utm_source=newsletter#top`) });
    expect((await run(project)).map(formatProblem)).toEqual([expect.stringMatching(/again\.md:8:3: source\.url was already used by 'first' in edition #1 \(2026-11-16\)$/)]);
  });

  it('a dead source link is an error; with link checks off it is not fetched', async () => {
    project = await project2({ ...good(), dead: brief('Dead link', `${site}/removed-story`) });
    expect((await run(project)).map(formatProblem)).toEqual([expect.stringMatching(/dead\.md:8:3: source\.url is dead: the site answers 404 Not Found$/)]);
    project.cleanup();
    project = await project2({ dead: brief('Dead link', `${site}/removed-story`) }, { config: { preflight: { check_links: false } } });
    expect(await run(project)).toEqual([]);
  });

  it('a subject past what inboxes show is a warning', async () => {
    project = await project2(good(), { subject: 'A subject line that goes on and on well past what any inbox will ever show of it' });
    expect((await run(project)).map(formatProblem)).toEqual([expect.stringMatching(/2026-11-30\.md:\d+:\d+: warning: the subject is 80 characters; inboxes show about the first 70/)]);
    project.cleanup();
    project = await project2(good(), { subject: 'Short and clear' });
    expect(await run(project)).toEqual([]);
  });

  it('an email past email.max_html_bytes is an error when nothing can move to the web, a warning when items did', async () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`story-${i}`, brief(`Story number ${i} with a longer title to take up room`, `${site}/live/${i}`, { summary: 'A summary that is long enough to take up a fair share of the message. '.repeat(2).trim() })]));
    project = await project2(many, { config: { email: { max_html_bytes: 20_000 } } });
    expect((await run(project)).map(formatProblem)).toEqual([expect.stringMatching(/warning: the email for [a-z, -]+ shows \d+ of 40 briefs \([\d.]+ kB of 20 kB\); the rest are linked on the web/)]);
    project.cleanup();
    project = await project2(good(), { config: { email: { max_html_bytes: 20_000 } }, note: 'An editor’s note far too long for any email. '.repeat(600) });
    expect(codes(await run(project))).toEqual(['error email-size']);
  });

  it('MJML that does not validate is an error naming the template line; the built-in template passes', async () => {
    project = await project2(good());
    mkdirSync(path.join(project.root, 'templates/email'), { recursive: true });
    cpSync(path.join(FIXTURES, 'email/broken/edition.mjml.njk'), path.join(project.root, 'templates/email/edition.mjml.njk'));
    const problems = await run(project);
    expect(codes(problems)).toEqual(['error mjml']);
    expect(formatProblem(problems[0]!)).toMatch(/templates\/email\/edition\.mjml\.njk:14:1: the email for safety cannot be rendered: MJML validation failed/);
  });

  it('renders every variant the list will get: each theme set subscribers chose, and all themes', async () => {
    project = await project2({ ...good(), chips: brief('Chips', `${site}/live/chips`, { themes: ['export-controls'] }) });
    const config = project.config();
    const db = openDatabase(config.dataDir);
    try {
      addSubscriber(db, { email: 'a@example.org', themes: ['safety'], source: 'test' });
      addSubscriber(db, { email: 'b@example.org', themes: ['export-controls', 'open-source'], source: 'test' });
      addSubscriber(db, { email: 'c@example.org', themes: ['open-source'], source: 'test' });
      expect((await preflight(config, 'latest', { db })).variants).toBe(3);
    } finally {
      db.close();
    }
  });
});

describe('send and the pre-send checks', () => {
  const env = { BRIEFING_SECRET: 'test-secret-that-is-long-enough-0123456789' };
  const outbox = (p: TempProject) => {
    const dir = path.join(p.dataDir, 'outbox', '2026-11-30');
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
  };

  it('send refuses an edition with an error and records nothing; --force sends it and names what it overrode', async () => {
    project = await project2({ ...good(), dead: brief('Dead link', `${site}/removed-story`) });
    const cwd = project.root;
    const withData = { ...env, BRIEFING_DATA_DIR: project.dataDir };
    expect((await runCliAsync(['subscribers', 'add', 'reader@example.org'], { cwd, env: withData })).status).toBe(0);

    const checked = await runCliAsync(['preflight', '2026-11-30'], { cwd, env: withData });
    expect(checked.status).toBe(1);
    expect(checked.stdout).toMatch(/briefs\/dead\.md:8:3: source\.url is dead: the site answers 404 Not Found/);
    expect(checked.stderr).toMatch(/edition #2 of 2026-11-30: 2 briefs, 1 variant rendered, 2 source links fetched; 1 error stop the send, 0 warnings/);

    const refused = await runCliAsync(['send', '2026-11-30'], { cwd, env: withData });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/edition 2026-11-30 did not pass its pre-send checks \(1 error\); nothing was sent:\n.*dead\.md:8:3: source\.url is dead/);
    expect(refused.stderr).toMatch(/or send anyway with --force/);
    expect(outbox(project)).toEqual([]);
    expect((await runCliAsync(['status', '2026-11-30', '--json'], { cwd, env: withData })).stdout).not.toMatch(/"sent":\s*[1-9]/);

    const forced = await runCliAsync(['send', '2026-11-30', '--force'], { cwd, env: withData });
    expect(forced.status).toBe(0);
    expect(forced.stderr).toMatch(/--force: sending edition 2026-11-30 despite 1 preflight error:\n.*dead\.md:8:3: source\.url is dead/);
    expect(outbox(project)).toHaveLength(1);
  });

  it('preflight passes a good edition with exit 0', async () => {
    project = await project2(good());
    const checked = await runCliAsync(['preflight', 'latest'], { cwd: project.root, env: { ...env, BRIEFING_DATA_DIR: project.dataDir } });
    expect(checked.stderr).toMatch(/edition #2 of 2026-11-30: 1 brief, 1 variant rendered, 1 source link fetched; ready to send, 0 warnings/);
    expect(checked.status).toBe(0);
  });
});

