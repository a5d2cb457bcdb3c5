/**
 * Brief text to HTML, for the archive and the email alike. Brief text is
 * data: raw HTML is escaped (html: false), markdown-it's validateLink refuses
 * javascript:, vbscript:, file: and data: URLs, and the result is never fed
 * to a template engine.
 */
import MarkdownIt from 'markdown-it';
import path from 'node:path';
import { SOURCE_DIR } from '../paths.js';
import { cacheDir, DiskMemo, fingerprint } from '../cache.js';
import type { Config } from '../config/schema.js';

const md = new MarkdownIt({ html: false, linkify: true, typographer: true, breaks: false });

// External links open as plain links; tell browsers not to hand the opener over.
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const href = token.attrGet('href') ?? '';
  if (/^https?:/i.test(href)) token.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Block Markdown (the key points) to safe HTML. */
export function renderMarkdown(source: string): string {
  return md.render(source);
}

/**
 * The memo `build` renders briefs' Markdown through (see memoRenderer): a
 * weekly build renders only new and edited text. Stamped with this file and
 * markdown-it's packages, which are all that shape the HTML.
 */
export function openMarkdownMemo(config: Config): DiskMemo<string> {
  const stamp = fingerprint({ files: [path.join(SOURCE_DIR, 'render/markdown.ts')], packages: ['markdown-it', 'linkify-it', 'mdurl', 'uc.micro', 'punycode.js'] });
  return DiskMemo.open(path.join(cacheDir(config, 'memo'), 'markdown.bin'), stamp);
}

/** renderMarkdown, through `memo`. */
export function memoRenderer(memo: DiskMemo<string>): (source: string) => string {
  return (source) => {
    const key = DiskMemo.key(source);
    let html = memo.get(key);
    if (html === undefined) memo.set(key, (html = renderMarkdown(source)));
    return html;
  };
}

/** One line of inline Markdown (an editor's note line, say) to safe HTML. */
export function renderInline(source: string): string {
  return md.renderInline(source);
}

/**
 * The key points as plain strings, one per top-level list item, for the
 * plain-text email and for feeds. Non-list paragraphs count as points too.
 */
export function keyPoints(source: string): string[] {
  const tokens = md.parse(source, {});
  const points: string[] = [];
  let depth = 0;
  let current: string[] | undefined;
  for (const t of tokens) {
    if (t.type === 'bullet_list_open' || t.type === 'ordered_list_open') depth += 1;
    else if (t.type === 'bullet_list_close' || t.type === 'ordered_list_close') depth -= 1;
    else if (t.type === 'list_item_open' && depth === 1) current = [];
    else if (t.type === 'list_item_close' && depth === 1 && current) {
      points.push(current.join(' ').trim());
      current = undefined;
    } else if (t.type === 'inline') {
      const plain = (t.children ?? [])
        .map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : c.type === 'softbreak' ? ' ' : ''))
        .join('');
      if (current) current.push(plain);
      else if (depth === 0) points.push(plain.trim());
    }
  }
  return points.filter(Boolean);
}
