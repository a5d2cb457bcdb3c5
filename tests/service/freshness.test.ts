import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_MARKER } from '../../src/archive/build.js';
import { distState } from '../../src/service/freshness.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
let dist: string;
const FUTURE = new Date('2100-01-01T00:00:00Z');
const LATER = new Date('2100-01-02T00:00:00Z');

beforeEach(() => {
  project = tempProject();
  dist = path.join(project.root, 'dist');
});
afterEach(() => project.cleanup());

function build(at: Date) {
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(dist, BUILD_MARKER), '');
  utimesSync(path.join(dist, BUILD_MARKER), at, at);
}

describe('distState: whether start must build dist/ first', () => {
  it('is missing when there is no build', () => {
    expect(distState(project.config(), dist)).toBe('missing');
  });

  it('is fresh when the build is newer than every source, and stale once a brief changes after it', () => {
    const file = project.writeBrief('a.md', briefText());
    // Set the clock of every file explicitly: no waiting for mtimes to differ.
    utimesSync(file, FUTURE, FUTURE);
    utimesSync(project.briefsDir, FUTURE, FUTURE);
    utimesSync(path.join(project.root, 'briefing.config.yml'), FUTURE, FUTURE);
    build(LATER);
    expect(distState(project.config(), dist)).toBe('fresh');
    utimesSync(file, new Date('2100-01-03T00:00:00Z'), new Date('2100-01-03T00:00:00Z'));
    expect(distState(project.config(), dist)).toBe('stale');
  });

  it('is stale when the config file changed after the build', () => {
    build(LATER);
    utimesSync(path.join(project.root, 'briefing.config.yml'), new Date('2100-01-03T00:00:00Z'), new Date('2100-01-03T00:00:00Z'));
    expect(distState(project.config(), dist)).toBe('stale');
  });

  it('is stale for a site without the build marker (not made by this version)', () => {
    mkdirSync(dist, { recursive: true });
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html>');
    expect(distState(project.config(), dist)).toBe('stale');
  });
});
