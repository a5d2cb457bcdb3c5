/**
 * SourceWatch: the dev server's catch-up for briefs its watcher never saw
 * (written during the first build, or while the watcher was still scanning).
 */
import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SourceWatch } from '../../src/archive/source-watch.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

const old = new Date('2020-01-01T00:00:00Z');

describe('SourceWatch', () => {
  it('touches a brief added after the build read the folder, until a build starts', async () => {
    project = tempProject();
    const existing = project.writeBrief('existing.md', briefText());
    utimesSync(existing, old, old);
    const watch = new SourceWatch(() => [project!.briefsDir], { intervalMs: 20, windowMs: 5000 });
    watch.snapshot();
    const added = project.writeBrief('nested/added.md', briefText({ title: 'Written during the first build' }));
    utimesSync(added, old, old);
    expect(watch.changedSinceSnapshot()).toEqual([added]);

    const done = watch.catchUp();
    // Touched: its mtime moves to now, which a running watcher reports as a change.
    while (statSync(added).mtimeMs === old.getTime()) await new Promise((r) => setTimeout(r, 10));
    expect(statSync(existing).mtimeMs).toBe(old.getTime());
    watch.buildStarted();
    expect(await done).toBe('rebuilt');
  });

  it('does nothing when the folder is as the build read it', async () => {
    project = tempProject();
    const file = project.writeBrief('a.md', briefText());
    utimesSync(file, old, old);
    mkdirSync(path.join(project.briefsDir, 'empty'), { recursive: true });
    writeFileSync(path.join(project.briefsDir, 'notes.txt'), 'not a brief');
    const watch = new SourceWatch(() => [project!.briefsDir], { intervalMs: 10, windowMs: 100 });
    watch.snapshot();
    expect(await watch.catchUp()).toBe('idle');
    expect(statSync(file).mtimeMs).toBe(old.getTime());
  });
});
