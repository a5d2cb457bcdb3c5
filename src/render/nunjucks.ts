/**
 * The one Nunjucks environment factory, and the one place for filters.
 * Autoescape is always on: every value a template prints is escaped unless
 * it is marked `| safe`, which is reserved for HTML from renderMarkdown.
 * Templates are trusted project files; brief text only ever arrives as data.
 */
import nunjucks from 'nunjucks';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { BUILTIN_TEMPLATES } from '../paths.js';

/** A kind's template folders (email, site), project first: a project may override single templates. */
export function templatePaths(templatesDir: string, kind: string): string[] {
  return [...new Set([path.join(templatesDir, kind), path.join(BUILTIN_TEMPLATES, kind)])];
}

/**
 * The templates' files and modification times, as one string. A long-running
 * process (`briefing start`, the dev server) compares it to pick up edits.
 */
export function templatesVersion(searchPaths: readonly string[]): string {
  const parts: string[] = [];
  for (const dir of searchPaths) {
    let names: string[];
    try {
      names = (readdirSync(dir, { recursive: true }) as string[]).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const info = statSync(path.join(dir, name), { throwIfNoEntry: false });
      if (info?.isFile()) parts.push(`${dir}/${name}:${info.mtimeMs}:${info.size}`);
    }
  }
  return parts.join('\n');
}

/** Marks each template line that opens or closes an MJML tag, so an MJML error line maps back to the template. */
export const TRACE_MARKER = /<!--@tpl (\S+):(\d+)-->/g;

class TracingLoader extends nunjucks.FileSystemLoader {
  override getSource(name: string): nunjucks.LoaderSource {
    const source = super.getSource(name);
    if (!source) return source;
    const rel = path.relative(process.cwd(), source.path) || source.path;
    const src = source.src
      .split('\n')
      .map((line, i) => line.replace(/^(\s*)(<\/?mj-)/, `$1<!--@tpl ${rel}:${i + 1}-->$2`))
      .join('\n');
    return { ...source, src };
  }
}

export interface EnvOptions {
  /** Insert line markers (for locating MJML validation errors). */
  trace?: boolean;
}

/** An environment over these folders, first match wins (a project may override single templates). */
export function createEnv(searchPaths: readonly string[], options: EnvOptions = {}): nunjucks.Environment {
  const Loader = options.trace ? TracingLoader : nunjucks.FileSystemLoader;
  const env = new nunjucks.Environment(new Loader([...searchPaths], { noCache: false }), {
    autoescape: true,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  // Thousands separators etc. belong to the locale, not the template.
  env.addFilter('number', (n: number, locale = 'en') => new Intl.NumberFormat(locale).format(n));
  return env;
}
