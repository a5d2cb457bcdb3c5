/**
 * Whether each source link still answers: one GET per URL (HEAD is refused
 * or mishandled by too many sites), redirects followed by hand so a loop is
 * named, a time limit per URL and a bounded number at once. The result is
 * data; rules.ts decides what is an error. Without a network every URL is
 * "could not check", never a failure of the run.
 */
export type LinkOutcome =
  | { kind: 'ok'; status: number }
  | { kind: 'status'; status: number }
  | { kind: 'redirect-loop'; hops: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'unreachable'; reason: string };

export interface LinkCheckOptions {
  timeoutMs: number;
  concurrency: number;
  /** Sent as User-Agent, so a site owner can tell what asked. */
  userAgent: string;
}

const MAX_HOPS = 10;

export async function checkLinks(urls: readonly string[], options: LinkCheckOptions): Promise<Map<string, LinkOutcome>> {
  const unique = [...new Set(urls)];
  const results: LinkOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const i = next++;
      results[i] = await checkLink(unique[i]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, unique.length) }, worker));
  // In the order given, whatever order the answers came in.
  return new Map(unique.map((url, i) => [url, results[i]!]));
}

export async function checkLink(url: string, options: Pick<LinkCheckOptions, 'timeoutMs' | 'userAgent'>): Promise<LinkOutcome> {
  // One time limit for the whole chain of redirects.
  const signal = AbortSignal.timeout(options.timeoutMs);
  const seen = new Set<string>();
  let current = url;
  try {
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      if (seen.has(current)) return { kind: 'redirect-loop', hops: hop };
      seen.add(current);
      const response = await fetch(current, { redirect: 'manual', signal, headers: { 'user-agent': options.userAgent, accept: 'text/html,*/*;q=0.8' } });
      // The body is never needed: let the connection go.
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        continue;
      }
      return response.status < 400 ? { kind: 'ok', status: response.status } : { kind: 'status', status: response.status };
    }
    return { kind: 'redirect-loop', hops: MAX_HOPS };
  } catch (error) {
    if (signal.aborted) return { kind: 'timeout', ms: options.timeoutMs };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'unreachable', reason: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}
