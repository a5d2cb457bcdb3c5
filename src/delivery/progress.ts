/** Send progress: a bar on a terminal, a line per 1,000 messages in logs, or nothing. */
import cliProgress from 'cli-progress';
import type { Logger } from '../log.js';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface Progress {
  tick(): void;
  stop(): void;
}

export function createProgress(mode: ProgressMode, total: number, log: Logger): Progress {
  if (mode === 'none' || total === 0) return { tick() {}, stop() {} };
  if (mode === 'bar') {
    const bar = new cliProgress.SingleBar({ format: 'sending [{bar}] {value}/{total} {percentage}% | {eta_formatted} left', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return { tick: () => bar.increment(), stop: () => bar.stop() };
  }
  let done = 0;
  return {
    tick() {
      done += 1;
      if (done % 1000 === 0) log.info(`  ${done}/${total} messages`);
    },
    stop() {},
  };
}
