/**
 * Live reload for `briefing dev`: every HTML page the server sends gets a
 * script (an external file, as the pages' CSP allows no inline code) that
 * listens on a server-sent event stream and reloads the page after each
 * build. Only the dev server has one; `briefing serve` sends pages untouched.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const EVENTS = '/_briefing/live-reload';
const SCRIPT = '/_briefing/live-reload.js';
// The server cuts connections silent for 10 s: a comment every 5 s keeps the stream open.
const KEEPALIVE_MS = 5_000;

const CLIENT = `// Briefing dev: reload this page when the archive has been built again.
new EventSource(${JSON.stringify(EVENTS)}).addEventListener('reload', () => location.reload());
`;

export interface LiveReload {
  /** Tells every open page to reload. */
  reload(): void;
  /** Answers the script and the event stream; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** The page with the script added at the end of its body. */
  inject(html: string): string;
}

export function createLiveReload(): LiveReload {
  const clients = new Set<ServerResponse>();
  const keepalive = setInterval(() => {
    for (const res of clients) res.write(':\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();
  return {
    reload() {
      for (const res of clients) res.write('event: reload\ndata: \n\n');
    },
    handle(req, res, path) {
      if (path === SCRIPT) {
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : CLIENT);
        return true;
      }
      if (path !== EVENTS) return false;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(':\n\n');
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return true;
    },
    inject(html) {
      const tag = `<script src="${SCRIPT}" defer></script>`;
      const at = html.lastIndexOf('</body>');
      return at < 0 ? html + tag : html.slice(0, at) + tag + html.slice(at);
    },
  };
}
