/**
 * The worker thread that renders a build's edition emails when there are many
 * (planEditionEmails, EmailFilesOptions.workerFrom): renders the editions it
 * is given and reports success, or its error as plain data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { BriefingError } from '../errors.js';
import { renderEditionEmails, type EmailJob, type EmailWorkerReport } from './email-files.js';

const { config, jobs, cacheDir } = workerData as { config: Config; jobs: EmailJob[]; cacheDir: string | false };
let report: EmailWorkerReport;
try {
  await renderEditionEmails(config, jobs, cacheDir);
  report = { ok: true };
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  const briefing = e instanceof BriefingError ? e : undefined;
  const cause = e.cause instanceof Error ? e.cause.message : e.cause === undefined ? undefined : String(e.cause);
  report = { ok: false, error: { message: e.message, stack: e.stack, code: briefing?.code, file: briefing?.file, position: briefing?.position, cause } };
}
parentPort!.postMessage(report);
