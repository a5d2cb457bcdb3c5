/**
 * The plain-text part, written from the same model as the HTML (not a strip
 * of it): wrapped at 72 columns, every item present, links numbered and
 * listed at the end. Only URLs may run past 72 columns.
 */
import type { EmailModel } from './email-data.js';

export const TEXT_WIDTH = 72;

/** Word-wraps one paragraph; `first` prefixes line one, `rest` the others. A word longer than the width keeps its own line. */
export function wrap(text: string, first = '', rest = ' '.repeat(first.length), width = TEXT_WIDTH): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line = empty ? line + word : `${line} ${word}`;
    }
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

/** Markdown of the editor's note, as plain text: paragraphs and list items wrapped, [text](url) links numbered. */
function noteText(note: string, link: (url: string) => string): string[] {
  const out: string[] = [];
  const inline = (s: string) =>
    s
      .replace(/!?\[([^\]]*)\]\((\S+?)(?:\s+"[^"]*")?\)/g, (_, label: string, url: string) => (/^https?:/i.test(url) ? `${label} ${link(url)}` : label))
      .replace(/(\*\*|__)(.+?)\1/g, '$2')
      .replace(/`([^`]+)`/g, '$1');
  for (const block of note.split(/\n\s*\n/)) {
    const lines = block.split('\n');
    if (lines.every((l) => /^\s*(?:[-*+]|\d+[.)])\s+/.test(l) || /^\s{2,}\S/.test(l))) {
      let item: string[] = [];
      const flush = () => {
        if (item.length) out.push(...wrap(inline(item.join(' ')), '  - ', '    '));
        item = [];
      };
      for (const l of lines) {
        if (/^\s*(?:[-*+]|\d+[.)])\s+/.test(l)) {
          flush();
          item = [l.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '')];
        } else item.push(l.trim());
      }
      flush();
    } else {
      out.push(...wrap(inline(lines.map((l) => l.replace(/^#+\s*/, '').replace(/^>\s?/, '')).join(' '))));
    }
    out.push('');
  }
  return out;
}

/** Build it from the uncapped model: the text part has no clipping limit, so it always holds every item. */
export function emailText(model: EmailModel): string {
  const links: string[] = [];
  const link = (url: string) => {
    let n = links.indexOf(url);
    if (n < 0) n = links.push(url) - 1;
    return `[${n + 1}]`;
  };
  const rule = (c: string) => c.repeat(TEXT_WIDTH);
  const out: string[] = [];

  out.push(...wrap(`${model.siteTitle.toUpperCase()} — Edition #${model.number}`), model.dateLabel);
  out.push(`View in your browser: ${link(model.editionUrl)}`, '');
  if (model.greeting) out.push(...wrap(model.greeting), '');
  if (model.note) out.push(rule('-'), ...noteText(model.note, link));

  out.push(rule('-'), 'IN THIS EDITION', '');
  for (const s of model.sections) {
    out.push(`${s.label} (${s.total})`);
    for (const i of s.index) out.push(...wrap(i.title, '  - ', '    '));
    if (s.total > s.index.length) out.push(`  - and ${s.total - s.index.length} more`);
    out.push('');
  }

  for (const s of model.sections) {
    out.push(rule('='), s.label.toUpperCase(), rule('='), '');
    for (const [n, i] of s.items.entries()) {
      const head = `${n + 1}. `;
      const pad = ' '.repeat(head.length);
      out.push(...wrap(i.title, head));
      out.push(...wrap(i.summary, pad));
      if (i.why) out.push(...wrap(`Why it matters: ${i.why}`, pad));
      out.push(...wrap(`Source: ${i.sourceName}${i.sourceUrl ? ` ${link(i.sourceUrl)}` : ''}`, pad));
      out.push(...wrap(`Read on the web: ${link(i.archiveUrl)}`, pad));
      if (i.tags.length) out.push(...wrap(`Also in: ${i.tags.map((t) => t.label).join(', ')}`, pad));
      out.push('');
    }
  }

  if (model.corrections.length > 0) {
    out.push(rule('-'), 'CORRECTIONS', '');
    for (const c of model.corrections) out.push(...wrap(`${c.title} ${link(c.url)} (${c.dateLabel}): ${c.text}`, '  - ', '    '));
    out.push('');
  }

  out.push(rule('-'));
  if (model.subscribeUrl) {
    out.push(...wrap(`This is the web copy of an edition of ${model.siteTitle} (${model.siteUrl}), covering ${model.themeLabels.join(', ')}. Subscribe to get it by email: ${model.subscribeUrl}`));
    out.push('', ...wrap('Subscribers: the links to manage your themes or unsubscribe are at the foot of each email you receive.'));
  } else {
    out.push(...wrap(`You get this email because you subscribed to ${model.siteTitle} (${model.siteUrl}). This copy covers ${model.themeLabels.join(', ')}.`));
    out.push('', `Manage your themes: ${model.preferencesUrl}`, `Unsubscribe: ${model.unsubscribeUrl}`);
  }
  out.push('', ...wrap(model.postalAddress), '');

  out.push(rule('-'), 'LINKS', '');
  links.forEach((url, n) => out.push(`[${n + 1}] ${url}`));
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
