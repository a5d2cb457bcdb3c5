/**
 * The dispatcher: `slots` workers (one per pooled connection), each taking
 * the next item and handling it until there is none left. It stops taking
 * new items on abort or on the first failure (an error thrown by `handle`, or
 * one reported with `stop`), lets those in flight finish, and says why it
 * stopped. What was not taken is the caller's to put back.
 */

export interface DispatchOptions<T> {
  slots: number;
  /**
   * The next item for a slot, or undefined when none is left for it. It may wait (for a retry's backoff);
   * after a wait it should look at `stopped()` again, and `onStop` wakes it.
   */
  take(stopped: () => boolean): Promise<T | undefined>;
  handle(item: T): Promise<void>;
  signal?: AbortSignal | undefined;
  /** Called when the dispatch stops early (an abort or a failure), to wake slots waiting in `take`. */
  onStop?: () => void;
}

export interface DispatchResult {
  /** The first failure, when one stopped the dispatch. */
  failure?: { error: unknown };
  aborted: boolean;
}

export interface Dispatcher {
  run(): Promise<DispatchResult>;
  /** Stops the dispatch with this failure (the first one counts). Before `run`, it makes `run` return at once. */
  stop(error: unknown): void;
  readonly stopped: boolean;
}

export function createDispatcher<T>(options: DispatchOptions<T>): Dispatcher {
  let failure: { error: unknown } | undefined;
  const stopped = () => failure !== undefined || Boolean(options.signal?.aborted);
  const stop = (error: unknown) => {
    failure ??= { error };
    options.onStop?.();
  };

  const slot = async () => {
    while (!stopped()) {
      const item = await options.take(stopped);
      if (item === undefined) return;
      await options.handle(item);
    }
  };

  return {
    async run() {
      const onAbort = () => options.onStop?.();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.all(Array.from({ length: Math.max(1, options.slots) }, () => slot().catch(stop)));
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
      }
      return { ...(failure ? { failure } : {}), aborted: Boolean(options.signal?.aborted) };
    },
    stop,
    get stopped() {
      return stopped();
    },
  };
}
