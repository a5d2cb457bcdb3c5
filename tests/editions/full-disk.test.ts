/**
 * A full disk during `assemble` (a real tmpfs as editions/): nothing is left
 * behind, neither an empty edition file nor a temporary one, so once there
 * is room the same command writes the edition and everything accepts it.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliAsync } from '../delivery/edition-project.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { tmpfsPerTest } from '../helpers/tmpfs.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());
const mountTmpfs = tmpfsPerTest();

describe('assemble on a full disk', () => {
  it('leaves no empty edition file behind, and writes it whole once there is room', async () => {
    project = tempProject();
    project.writeBrief('chip-rules.md', briefText({ title: 'Chip rules', date: '2026-11-20', source: { name: 'Wire', url: 'https://example.org/chips' } }));
    const tmpfs = mountTmpfs(128, project.editionsDir);
    const free = tmpfs.fill();
    const env = { BRIEFING_DATA_DIR: project.dataDir };
    const files = () => readdirSync(project!.editionsDir).filter((f) => !f.startsWith('.filler'));

    const full = await runCliAsync(['assemble', '--date', '2026-11-23'], { cwd: project.root, env });
    expect(full.status).toBe(1);
    expect(full.stderr).toContain(`the disk holding ${project.editionsDir}/2026-11-23.md (mounted at ${project.editionsDir}) is full (ENOSPC)`);
    expect(files()).toEqual([]);

    free();
    const again = await runCliAsync(['assemble', '--date', '2026-11-23'], { cwd: project.root, env });
    expect(again.status, again.stderr).toBe(0);
    expect(files()).toEqual(['2026-11-23.md']);
    const preview = await runCliAsync(['preview', '2026-11-23', '--text'], { cwd: project.root, env });
    expect(preview.status, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('Chip rules');
  });
});
