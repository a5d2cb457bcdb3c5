/**
 * Problems as data: validation collects them, the CLI prints them. A problem
 * is an error (the brief is left out) or a warning (worth a look, never
 * blocking).
 */
import type { Position } from './errors.js';

export type Severity = 'error' | 'warning';

export interface Problem extends Position {
  severity: Severity;
  /** Stable machine-readable code, e.g. `unknown-theme`. */
  code: string;
  file: string;
  message: string;
}

export function problem(severity: Severity, code: string, file: string, position: Position, message: string): Problem {
  return { severity, code, file, line: position.line, col: position.col, message };
}

/** `path:line:col: message`, with warnings marked as such. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

export const hasErrors = (problems: readonly Problem[]): boolean => problems.some((p) => p.severity === 'error');

/** Files first, then position: the order an editor would walk them. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
