/**
 * Logging in one place. Diagnostics go through `debug` by namespace
 * (`DEBUG=Briefing:*`); what a person running a command should read goes
 * through `log`, which a test or the service can silence or redirect.
 */
import createDebug from 'debug';

export const debug = (namespace: string): createDebug.Debugger => createDebug(`Briefing:${namespace}`);

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: Logger = {
  info: (message) => process.stdout.write(message + '\n'),
  warn: (message) => process.stderr.write(message + '\n'),
  error: (message) => process.stderr.write(message + '\n'),
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
