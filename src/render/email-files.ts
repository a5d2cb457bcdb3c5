/**
 * Writes dist/editions/<id>/email.html and email.txt during `briefing build`:
 * the all-themes variant of each edition, with placeholder personal links.
 * (Implemented by the editions and email work; the archive build calls it
 * before the atomic swap.)
 */
import type { Published } from '../editions/published.js';

export async function writeEditionEmails(_published: Published, _outDir: string): Promise<void> {
  // Filled in by the email module.
}
