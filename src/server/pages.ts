/**
 * The server's own pages (subscribe, confirm, preferences, unsubscribe,
 * errors), in the archive's layout: the build writes that layout with
 * markers where the title and the content go (templates/site/server-page.njk,
 * at SHELL_PATH), and each page is the shell with them filled in, under the
 * archive's CSP. Without a built archive (`serve` before any build, a
 * project's own templates without the shell) they fall back to a small page
 * styled by one inline stylesheet that its CSP allows by hash.
 */
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVE_HEADER_CSP } from '../archive/csp.js';
import type { Config } from '../config/schema.js';

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;--accent:#1f4fbf;--on-accent:#fff;--error:#b42318}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--card:#161b22;--line:#30363d;--accent:#7aa2ff;--on-accent:#0d1117;--error:#ff7b72}}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:2.5rem 1.25rem}
.site{display:inline-block;margin-bottom:1.5rem;color:var(--muted);text-decoration:none;font-weight:600}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}
p{margin:0 0 1rem}
a{color:var(--accent)}
form{margin:1.5rem 0}
fieldset{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem}
legend{font-weight:600;padding:0 .25rem}
label{display:block;margin:.35rem 0}
.hint{color:var(--muted);font-size:.9rem}
input[type=email]{width:100%;margin-bottom:1rem;font:inherit;padding:.6rem .7rem;border:1px solid var(--line);border-radius:.4rem;background:var(--bg);color:var(--fg)}
input[type=checkbox]{width:1.1rem;height:1.1rem;margin-right:.4rem;vertical-align:-.15rem}
button{font:inherit;font-weight:600;padding:.6rem 1.1rem;border-radius:.4rem;border:1px solid var(--accent);background:var(--accent);color:var(--on-accent);cursor:pointer}
button.secondary{background:transparent;color:var(--accent)}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.error{color:var(--error);font-weight:600}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem}
footer{margin-top:2.5rem;color:var(--muted);font-size:.85rem}
`.trim();

/** For the Content-Security-Policy: only this exact stylesheet may run inline. */
export const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;

/** Where the build writes the shell; not served as a page of its own (see server.ts). */
export const SHELL_PATH = '/_briefing/page.html';
export const SHELL_TITLE = '__BRIEFING_PAGE_TITLE__';
export const SHELL_BODY = '<!--BRIEFING_PAGE_BODY-->';

/** For pages without the archive's layout (no build yet) and the server's bare answers (405). */
export const FALLBACK_CSP = `default-src 'none'; style-src ${PAGE_STYLE_HASH}; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

interface Shell {
  /** The release (realpath) and mtime it was read from: a new build is picked up at once. */
  key: string;
  parts: string[];
}

/** The shell of the built archive, read once per release. */
export class ShellCache {
  private shell: Shell | undefined;

  constructor(private readonly distDir: string) {}

  async get(): Promise<Shell | undefined> {
    try {
      const file = await realpath(path.join(this.distDir, SHELL_PATH));
      const key = `${file}:${(await stat(file)).mtimeMs}`;
      if (this.shell?.key === key) return this.shell;
      const html = await readFile(file, 'utf8');
      if (!html.includes(SHELL_BODY)) return undefined;
      this.shell = { key, parts: html.split(SHELL_BODY) };
      return this.shell;
    } catch {
      return undefined;
    }
  }
}

/** A server page: in the archive's shell when there is one, with the CSP it needs. */
export async function renderPage(config: Config, shells: ShellCache, title: string, body: string): Promise<{ html: string; csp: string }> {
  const shell = await shells.get();
  if (!shell) return { html: page(config, title, body), csp: FALLBACK_CSP };
  const fill = (part: string) => part.split(SHELL_TITLE).join(escapeHtml(title));
  return { html: `${fill(shell.parts[0]!)}<h1>${escapeHtml(title)}</h1>\n${body}${shell.parts.slice(1).map(fill).join(SHELL_BODY)}`, csp: ARCHIVE_HEADER_CSP };
}

export function page(config: Config, title: string, body: string): string {
  const site = escapeHtml(config.site.title);
  return `<!doctype html>
<html lang="${escapeHtml(config.site.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${site}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<a class="site" href="/">${site}</a>
<h1>${escapeHtml(title)}</h1>
${body}
<footer>${escapeHtml(config.postal_address)}</footer>
</main>
</body>
</html>
`;
}

/**
 * The theme boxes of a form: `checked` ticked ('all' ticks every one), so an error shows the choice the
 * reader made. The hidden `themes-shown` field marks the form as one that offered the boxes: ticking none
 * is then a mistake to name, not a form without them (see chosenThemes in server.ts).
 */
export function themeCheckboxes(config: Config, checked: readonly string[] | 'all', legend: string): string {
  const boxes = config.themes
    .map(
      (t) =>
        `<label class="check t-${escapeHtml(t.slug)}"><input type="checkbox" name="themes" value="${escapeHtml(t.slug)}"${checked === 'all' || checked.includes(t.slug) ? ' checked' : ''}> ${escapeHtml(t.label)} <span class="hint">— ${escapeHtml(t.description)}</span></label>`,
    )
    .join('\n');
  return `<fieldset class="field"><legend>${escapeHtml(legend)}</legend>\n<input type="hidden" name="themes-shown" value="1">\n${boxes}\n<p class="hint">Tick them all to get every theme, including new ones.</p></fieldset>`;
}
