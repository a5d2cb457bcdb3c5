// The part of Eleventy 3's programmatic API that build.ts uses; Eleventy ships no types.
declare module '@11ty/eleventy' {
  interface EleventyLogger {
    overrideLogger(logger: false | Record<'log' | 'info' | 'warn' | 'error', (message: string) => void>): void;
  }
  export default class Eleventy {
    constructor(
      input?: string,
      output?: string,
      options?: { quietMode?: boolean; dryRun?: boolean; configPath?: string; runMode?: 'build' | 'serve' | 'watch'; config?: (eleventyConfig: never) => void | Promise<void> },
    );
    logger: EleventyLogger;
    write(): Promise<unknown>;
    /** Watch mode (dev-watch.ts): init, then watch (which builds first), stopWatch to end it. */
    init(): Promise<void>;
    watch(): Promise<void>;
    stopWatch(): Promise<void>;
  }
}
