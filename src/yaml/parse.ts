/**
 * Safe YAML for frontmatter and config: YAML 1.2 core schema (no timestamps,
 * no merge keys, no custom tags), unique keys, a cap on alias expansion, and
 * positions so that every problem can be reported as line:col in the file.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import jsYaml from 'js-yaml';
import type { Position } from '../errors.js';

/** Frontmatter or config larger than this is refused before parsing. */
export const MAX_YAML_BYTES = 64_000;
/** Caps how many times aliases may be expanded: defeats "billion laughs". */
const MAX_ALIAS_COUNT = 50;

export interface YamlProblem {
  message: string;
  position: Position;
}

export interface ParsedYaml {
  /** Plain data, or undefined when the YAML could not be parsed. */
  data: unknown;
  problems: YamlProblem[];
  /** Position of the key (or item) at `path`, falling back to the nearest parent. */
  positionOf(path: ReadonlyArray<PropertyKey>): Position;
}

/**
 * Text the fast path leaves to the full parser: anchors and aliases (the
 * alias cap), tags, merge keys, tabs, `__proto__`, directives and complex
 * keys. Plain frontmatter has none of these.
 */
const NEEDS_FULL_PARSE = /[&*!%?\t]|<<|__proto__/;

/**
 * Parses `text`, which starts at `origin` in its file, so that positions are
 * those of the file and not of the block.
 *
 * Plain frontmatter goes through js-yaml's YAML 1.2 core schema, about ten
 * times faster than building a positioned document. It is only a shortcut:
 * anything it would read differently, and anything it refuses, goes to the
 * full parser, which also computes positions lazily when a problem needs one.
 */
export function parseYaml(text: string, origin: Position = { line: 1, col: 1 }): ParsedYaml {
  if (!NEEDS_FULL_PARSE.test(text)) {
    let data: unknown;
    try {
      // json: false makes duplicate keys an error, as in the full parser.
      data = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA, json: false });
    } catch {
      return parseFullYaml(text, origin);
    }
    let full: ParsedYaml | undefined;
    return { data, problems: [], positionOf: (path) => (full ??= parseFullYaml(text, origin)).positionOf(path) };
  }
  return parseFullYaml(text, origin);
}

/** The authoritative parse: positions, strict checks and the alias cap. */
function parseFullYaml(text: string, origin: Position): ParsedYaml {
  const lineCounter = new LineCounter();
  const toFile = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return line === 1 ? { line: origin.line, col: origin.col + col - 1 } : { line: origin.line + line - 1, col };
  };

  const doc = parseDocument(text, {
    lineCounter,
    schema: 'core',
    merge: false,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    customTags: [],
  });

  const problems: YamlProblem[] = [...doc.errors].map((e) => ({
    message: yamlMessage(e.code, e.message),
    position: toFile(e.pos[0]),
  }));
  // A tag beyond the core schema's (!foo, !!js/function, !!binary) is refused where it stands: the yaml package
  // only warns about unknown ones and keeps the text, which let `check` pass what the README says it refuses.
  visit(doc, {
    Node(_key, node) {
      if (!node.tag || CORE_TAGS.has(node.tag) || !node.range) return;
      const tag = tagBefore(text, node.range[0]);
      problems.push({ message: `YAML tag ${tag.text} is not allowed: write the value as plain text (a brief holds text, dates, lists and mappings only)`, position: toFile(tag.start) });
    },
  });

  let data: unknown;
  if (problems.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      problems.push({
        message: /alias/i.test(message)
          ? `too many YAML aliases (more than ${MAX_ALIAS_COUNT} expansions); aliases are not needed in a brief`
          : `YAML could not be read: ${message}`,
        position: origin,
      });
    }
  }

  return { data, problems, positionOf: (path) => toFile(offsetOf(doc, path)) };
}

const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** The tag written before a node's value: the last word before `offset` (the value's start). */
function tagBefore(text: string, offset: number): { text: string; start: number } {
  let end = offset;
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  let start = end;
  while (start > 0 && !/[\s,[{]/.test(text[start - 1]!)) start--;
  return { text: text.slice(start, end), start };
}

function yamlMessage(code: string, message: string): string {
  // yaml's messages end with "at line X, column Y:" plus a code excerpt; we print our own position.
  const plain = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed for indentation in YAML; use spaces';
    case 'DUPLICATE_KEY':
      return 'duplicate key: each key may appear only once';
    default:
      return `invalid YAML: ${plain.charAt(0).toLowerCase()}${plain.slice(1)}`;
  }
}

function offsetOf(doc: Document, path: ReadonlyArray<PropertyKey>): number {
  let node: unknown = doc.contents;
  let best = rangeStart(node) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      best = rangeStart(pair.key) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      best = rangeStart(item) ?? best;
      node = item;
    } else {
      break;
    }
  }
  return best;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
