/**
 * `briefing serve`: the archive (dist/) plus the subscriber endpoints.
 *
 *   GET  /subscribe                 form (or dist's own page)
 *   POST /subscribe                 double opt-in: record pending, mail a confirmation link
 *   GET  /confirm?token=…           page with a Confirm button (link scanners follow GETs)
 *   POST /confirm?token=…           pending → confirmed
 *   GET  /preferences?token=…       theme form;  POST saves it
 *   GET  /unsubscribe?token=…       page with a button; never changes state
 *   POST /unsubscribe?token=…       RFC 8058 one-click: no cookie, 200, no redirect, idempotent
 *   GET  /favicon.ico               301 to the site's icon, when dist/ has one
 *
 * A bad token is a 404 that changes nothing. Errors are logged; the visitor
 * gets a generic page, never a stack trace.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ARCHIVE_HEADER_CSP, EMAIL_COPY_HEADER_CSP, isEmailCopy } from '../archive/csp.js';
import type { Config } from '../config/schema.js';
import { normalizeAddress } from '../delivery/address.js';
import {
  confirmationExpired,
  confirmSubscriber,
  requestSubscription,
  setSubscriberThemes,
  unsubscribeSubscriber,
  type Subscriber,
} from '../delivery/subscribers.js';
import { parseThemeList } from '../delivery/themes.js';
import { createSigner, resolveSecret, type TokenSigner } from '../delivery/tokens.js';
import { createTransport, linkBase } from '../delivery/transport-from-config.js';
import type { Transport } from '../delivery/transport.js';
import { InputError } from '../errors.js';
import { debug, type Logger } from '../log.js';
import { openDatabase, type Db } from '../store/db.js';
import { absolute, paths, TEST_TOKEN } from '../urls.js';
import { createConfirmationQueue, type ConfirmationQueue } from './confirmation-queue.js';
import { BodyError, readForm, type Form } from './forms.js';
import { escapeHtml, FALLBACK_CSP, page, renderPage, SHELL_PATH, ShellCache, themeCheckboxes } from './pages.js';
import { createRateLimiter } from './rate-limit.js';
import { resolveStatic, sendFile } from './static.js';
import type { LiveReload } from './live-reload.js';
import { handleWebhook, isProvider, webhookSettings, type WebhookContext } from './webhooks.js';

const trace = debug('server');

export interface ServerOptions {
  distDir: string;
  /** Defaults to config.server.port (PORT in the environment wins); 0 picks a free port. */
  port?: number;
  host?: string;
  log: Logger;
  /** Where confirmation mails go; defaults to SMTP_URL or <dataDir>/outbox/confirmations/. */
  transport?: Transport;
  /** An open database to use (not closed by close()). */
  db?: Db;
  /** Time limit of one attempt at a confirmation mail (default 60 s). */
  confirmationTimeoutMs?: number;
  /** `briefing dev`: pages reload themselves after each build (live-reload.ts). */
  liveReload?: LiveReload;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Sends the queued confirmation mails that are due (`all`: every waiting one, backoff or not). */
  drainConfirmations(options?: { all?: boolean }): Promise<void>;
  close(): Promise<void>;
}


export async function startServer(config: Config, options: ServerOptions): Promise<RunningServer> {
  const { log } = options;
  const { secret, devSecretFile } = resolveSecret(config);
  if (devSecretFile) log.warn(`BRIEFING_SECRET is not set: using the local secret in ${devSecretFile} (set BRIEFING_SECRET before going live)`);
  const signer = createSigner(secret);
  // A connection of its own that never waits for a lock inside SQLite (see withWrite).
  const db = options.db ?? openDatabase(config.dataDir, { busyTimeoutMs: 0 });
  const transport = options.transport ?? createTransport(config, path.join(config.dataDir, 'outbox', 'confirmations'), { unique: true });
  const distDir = path.resolve(options.distDir);
  const perIp = createRateLimiter(db, config.server.subscribe_per_hour);
  const perAddress = createRateLimiter(db, config.server.subscribe_per_hour);
  const webhooks: WebhookContext = { config, db, secret, log, settings: webhookSettings(config) };
  const confirmations = createConfirmationQueue({ config, db, transport, log, ...(options.confirmationTimeoutMs ? { attemptTimeoutMs: options.confirmationTimeoutMs } : {}) });
  let ownUrl = '';
  const app: App = { config, db, signer, transport, distDir, log, perIp, perAddress, webhooks, confirmations, shells: new ShellCache(distDir), linkBase: () => linkBase(config, transport, ownUrl), liveReload: options.liveReload };

  // A client that connects and sends nothing, or sends slowly, is cut off; the checks run every second.
  const timeouts = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 };
  const server = createServer(timeouts, (req, res) => {
    handle(app, req, res).catch((error: unknown) => {
      log.error(`server: ${req.method} ${(req.url ?? '').split('?')[0]} failed: ${error instanceof Error ? error.message : String(error)}`);
      trace('%O', error);
      if (!res.headersSent) html(res, 500, page(config, 'Something went wrong', '<p>Sorry, something went wrong on our side. Please try again later.</p>'));
      else res.destroy();
    });
  });
  // No bytes either way for 10 s (a client that connects and never sends a request included): closed.
  server.timeout = 10_000;
  limitConnections(server, config);
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  }).catch(async (error: unknown) => {
    await confirmations.close();
    throw listenError(error, host, port);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  // A server on every interface (0.0.0.0, ::) is reached on this machine as localhost.
  ownUrl = `http://${/^(0\.0\.0\.0|::)$/.test(address.address) ? 'localhost' : shownHost}:${address.port}`;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    drainConfirmations: (o) => confirmations.drain(o),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await confirmations.close();
      if (!options.transport) await transport.close();
      if (!options.db) db.close();
    },
  };
}

/** A port in use or not ours to take is the user's to fix, not a bug: say what to do (the message says it all). */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new InputError('PORT_UNAVAILABLE', `port ${port} is in use (is Briefing already running?); choose another with --port or PORT`);
  if (code === 'EACCES') return new InputError('PORT_UNAVAILABLE', `port ${port} needs privileges this user lacks; choose one above 1023 with --port or PORT`);
  if (code === 'EADDRNOTAVAIL') return new InputError('PORT_UNAVAILABLE', `${host} is not an address of this machine; choose another with --host (or server.host)`);
  return error;
}

/**
 * Caps on open connections, so one client cannot use up the file descriptors: in all (server.max_connections;
 * Node drops the ones past it) and per IP (server.max_connections_per_ip, closed at once). Behind a proxy
 * every connection is the proxy's, so the per-IP cap is left to it.
 */
function limitConnections(server: ReturnType<typeof createServer>, config: Config): void {
  server.maxConnections = config.server.max_connections;
  if (config.server.trust_proxy) return;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const ip = socket.remoteAddress ?? '?';
    const count = (open.get(ip) ?? 0) + 1;
    if (count > config.server.max_connections_per_ip) {
      socket.destroy();
      return;
    }
    open.set(ip, count);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
  });
}
interface App {
  config: Config;
  db: Db;
  signer: TokenSigner;
  transport: Transport;
  distDir: string;
  log: Logger;
  perIp: ReturnType<typeof createRateLimiter>;
  perAddress: ReturnType<typeof createRateLimiter>;
  confirmations: ConfirmationQueue;
  webhooks: WebhookContext;
  shells: ShellCache;
  /** The base of links in confirmation mails: site.base_url, or this server itself for the outbox (linkBase). */
  linkBase: () => string;
  liveReload: LiveReload | undefined;
}

function securityHeaders(res: ServerResponse, csp: string) {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

function html(res: ServerResponse, status: number, body: string, csp = FALLBACK_CSP) {
  securityHeaders(res, csp);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  // Token pages must not be cached anywhere: the token is a credential.
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** One of the server's pages, in the archive's layout when it is built (see pages.ts). */
async function respond(app: App, res: ServerResponse, status: number, title: string, body: string): Promise<void> {
  const { html: page, csp } = await renderPage(app.config, app.shells, title, body);
  html(res, status, page, csp);
}

async function handle(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');
  const method = req.method ?? 'GET';
  const route = rawPath.replace(/\/+$/, '') || '/';
  if (app.liveReload?.handle(req, res, rawPath)) return;

  try {
    switch (route) {
      case '/subscribe':
        if (method === 'POST') return await subscribe(app, req, res);
        if (method === 'GET' || method === 'HEAD') return await subscribeForm(app, res);
        return notAllowed(res, 'GET, HEAD, POST');
      case '/confirm':
        return await confirm(app, req, res, query, method);
      case '/preferences':
        if (query.get('token') === TEST_TOKEN) return await testLink(app, req, res, method);
        return await preferences(app, req, res, query, method);
      case '/unsubscribe':
        if (query.get('token') === TEST_TOKEN) return await testLink(app, req, res, method);
        return await unsubscribe(app, req, res, query, method);
    }
    const webhook = /^\/webhooks\/([a-z]+)$/.exec(route)?.[1];
    if (webhook && isProvider(webhook)) {
      if (method !== 'POST') return notAllowed(res, 'POST');
      return await handleWebhook(app.webhooks, req, res, webhook);
    }
  } catch (error) {
    if (error instanceof BodyError) return respond(app, res, error.status, 'Request not accepted', `<p>${escapeHtml(error.message)}.</p>`);
    if (isBusy(error)) {
      // Another process holds the database's write lock for longer than a request may wait (see withWrite).
      res.setHeader('Retry-After', '5');
      return respond(app, res, 503, 'Busy for a moment', '<p>The list is being updated right now. Please try again in a few seconds: nothing was changed.</p>');
    }
    throw error;
  }
  if (method !== 'GET' && method !== 'HEAD') return notAllowed(res, 'GET, HEAD');
  return serveStatic(app, req, res, rawPath);
}

function notAllowed(res: ServerResponse, allow: string) {
  res.setHeader('Allow', allow);
  html(res, 405, '<!doctype html><title>Method not allowed</title><p>Method not allowed.</p>');
}

async function serveStatic(app: App, req: IncomingMessage, res: ServerResponse, rawPath: string) {
  // The server pages' layout is not a page (pages.ts).
  const found = rawPath.startsWith(path.posix.dirname(SHELL_PATH) + '/') ? ({ kind: 'missing' } as const) : await resolveStatic(app.distDir, rawPath);
  securityHeaders(res, isEmailCopy(rawPath) ? EMAIL_COPY_HEADER_CSP : ARCHIVE_HEADER_CSP);
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
  if (found.kind === 'file') return sendPage(app, req, res, found);
  const location = found.kind === 'redirect' ? found.location : await faviconFor(app, rawPath);
  if (location) {
    res.statusCode = 301;
    res.setHeader('Location', location);
    res.end();
    return;
  }
  return notFound(app, req, res);
}

/** A file of the archive; under `briefing dev`, a page with the live-reload script and never cached. */
async function sendPage(app: App, req: IncomingMessage, res: ServerResponse, found: { file: string; size: number; mtimeMs: number }, status = 200): Promise<void> {
  if (!app.liveReload) return sendFile(req, res, found, status);
  if (!found.file.endsWith('.html')) return sendFile(req, res, found, status, false);
  const body = app.liveReload.inject(await readFile(found.file, 'utf8'));
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Browsers ask for /favicon.ico on pages that name no icon, as the public
 * copies of edition emails do: point them at the site's own icon rather
 * than answer 404.
 */
async function faviconFor(app: App, rawPath: string): Promise<string | undefined> {
  if (rawPath !== '/favicon.ico') return undefined;
  return (await resolveStatic(app.distDir, paths.favicon())).kind === 'file' ? paths.favicon() : undefined;
}

async function notFound(app: App, req: IncomingMessage, res: ServerResponse) {
  const custom = await resolveStatic(app.distDir, '/404.html');
  if (custom.kind === 'file') {
    securityHeaders(res, ARCHIVE_HEADER_CSP);
    return sendPage(app, req, res, custom, 404);
  }
  return respond(app, res, 404, 'Page not found', '<p>There is nothing at this address. <a href="/">Go to the home page</a>.</p>');
}

/** A personal link from a test send (`send --test`): it names itself and changes nothing. */
async function testLink(app: App, req: IncomingMessage, res: ServerResponse, method: string) {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return notAllowed(res, 'GET, HEAD, POST');
  if (method === 'POST') await readForm(req).catch(() => undefined);
  return respond(app, res, 200, 'A test link', '<p>This link came in a test send of an edition. It changes nothing: every subscriber gets links of their own.</p>');
}

/** A bad, forged or stale token: 404, nothing changed, nothing revealed. */
function badLink(app: App, res: ServerResponse) {
  return respond(app, res, 404, 'This link is not valid', '<p>The link may be incomplete or out of date. Copy the whole link from the email, or use the link in a newer email.</p>');
}

// ---- database writes ----

/** How long a request may wait for the database's write lock, held by another process (an import, a send). */
const WRITE_WAIT_MS = 2_000;

const isBusy = (error: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown })?.code ?? ''));

/**
 * Runs a write on the server's connection, which waits for no lock (busy_timeout 0: better-sqlite3 is
 * synchronous, and a wait inside SQLite holds the server's only thread, static pages and all). While
 * another process holds the lock, the write is tried again after a pause that lets everything else
 * run, for up to WRITE_WAIT_MS; then the busy error goes up and the visitor gets a 503 (see handle).
 */
async function withWrite<T>(write: () => T): Promise<T> {
  const until = Date.now() + WRITE_WAIT_MS;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    try {
      return write();
    } catch (error) {
      if (!isBusy(error) || Date.now() + pause > until) throw error;
      await sleep(pause);
    }
  }
}

// ---- subscribe ----

/**
 * The themes a form asks for. A form that showed the boxes (`themes-shown`) and had none ticked is a
 * mistake to name, not "every theme"; `all` (the compact form under the masthead) and a form with no
 * boxes at all (an embed elsewhere, a script) mean every theme, including new ones.
 */
function chosenThemes(
  config: Config,
  form: Form,
  noneMessage = 'Choose at least one theme.',
): { ok: true; themes: string[]; all: boolean } | { ok: false; message: string; ticked: string[] } {
  const raw = form.get('themes') ?? [];
  if (raw.includes('all')) return { ok: true, themes: [], all: true };
  const parsed = parseThemeList(raw, config.themes);
  const ticked = raw.filter((slug) => config.themes.some((t) => t.slug === slug));
  if (!parsed.ok) return { ok: false, message: parsed.message, ticked };
  if (parsed.themes.length === 0) {
    if (form.has('themes-shown')) return { ok: false, message: noneMessage, ticked };
    return { ok: true, themes: [], all: true };
  }
  // Every theme ticked means "all themes, including future ones".
  const all = parsed.themes.length === config.themes.length;
  return { ok: true, themes: all ? [] : parsed.themes, all };
}

function subscribeFormHtml(app: App, error = '', email = '', themes: readonly string[] | 'all' = 'all'): string {
  return `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : `<p>${escapeHtml(app.config.site.description)}</p>`}
<form class="subscribe-form" method="post" action="${paths.subscribe()}">
<div class="field"><label for="email">Email address</label>
<input id="email" name="email" type="email" required autocomplete="email" value="${escapeHtml(email)}"></div>
${themeCheckboxes(app.config, themes, 'Themes')}
<button type="submit" class="button">Subscribe</button>
</form>
<p class="hint">We send one email to confirm. Nothing else arrives until you click the link in it.</p>`;
}

function subscribeForm(app: App, res: ServerResponse) {
  return respond(app, res, 200, `Subscribe to ${app.config.site.title}`, subscribeFormHtml(app));
}

async function subscribe(app: App, req: IncomingMessage, res: ServerResponse) {
  if (crossSite(app, req)) {
    await readForm(req).catch(() => undefined);
    return respond(app, res, 403, 'Not allowed', '<p>Subscribing works from this site’s own form only.</p>');
  }
  const form = await readForm(req);
  const email = first(form, 'email');
  const address = normalizeAddress(email);
  const themes = chosenThemes(app.config, form);
  const title = `Subscribe to ${app.config.site.title}`;
  // The form comes back as the reader filled it in: the same address, the same boxes ticked.
  const asSent = themes.ok ? (themes.all ? 'all' : themes.themes) : themes.ticked;
  if (!address.ok) return respond(app, res, 400, title, subscribeFormHtml(app, 'Please enter a valid email address.', email, asSent));
  if (!themes.ok) return respond(app, res, 400, title, subscribeFormHtml(app, themes.message, email, asSent));
  const ip = clientIp(req, app.config.server.trust_proxy);
  const allowed = await withWrite(() => app.perIp.allow(`ip:${ip}`) && app.perAddress.allow(`address:${address.key}`));
  if (!allowed) {
    res.setHeader('Retry-After', '3600');
    return respond(app, res, 429, 'Too many requests', '<p>There have been too many subscription requests from here or for this address. Please try again in an hour.</p>');
  }
  await withWrite(() => {
    const outcome = requestSubscription(app.db, address.email, themes.themes);
    // Queued, not sent here: the answer comes at once and the same for every address (see confirmation-queue.ts).
    if (outcome.sendConfirmation && outcome.subscriber) {
      app.confirmations.enqueue(outcome.subscriber.id, outcome.subscriber.email, absolute(app.linkBase(), paths.confirm(app.signer.sign('confirm', outcome.subscriber))));
    }
  });
  return respond(
    app,
    res,
    200,
    'Check your inbox',
    `<p>If <strong>${escapeHtml(address.email)}</strong> is not subscribed yet, a message with a confirmation link is on its way. Click the link in it to start receiving ${escapeHtml(app.config.site.title)}.</p><p class="hint">Nothing arrives at an address until it is confirmed.</p>`,
  );
}

/**
 * A POST made by another site's page: a browser names its origin (Origin, Sec-Fetch-Site). Allowed are
 * the public origin (site.base_url) and this server's own (its Host). A request with neither header (curl,
 * a script) is no cross-site request: the per-address limit still holds for it.
 */
function crossSite(app: App, req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const allowed = new Set([new URL(app.config.site.base_url).origin]);
  if (req.headers.host) for (const scheme of ['http', 'https']) allowed.add(`${scheme}://${req.headers.host}`);
  return !allowed.has(origin);
}

// ---- confirm ----

async function confirm(app: App, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, method: string) {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return notAllowed(res, 'GET, HEAD, POST');
  const token = query.get('token');
  const subscriber = app.signer.verify(app.db, 'confirm', token);
  if (!subscriber || subscriber.status === 'unsubscribed' || subscriber.status === 'suppressed') return badLink(app, res);
  // A confirm link dies with its lifetime, confirmed or not: a forwarded or leaked one is not a key for ever.
  if (subscriber.requestedAt && confirmationExpired(subscriber.requestedAt)) return badLink(app, res);
  // Confirmed already: the link confirms nothing more and hands out nothing (the emails carry the preferences link).
  if (subscriber.status === 'confirmed') {
    if (method === 'POST') await readForm(req);
    return respond(app, res, 200, 'Already confirmed', `<p><strong>${escapeHtml(subscriber.email)}</strong> is already subscribed. Every edition ends with a link to choose your themes or unsubscribe.</p>`);
  }
  if (method === 'POST') {
    await readForm(req);
    const after = await withWrite(() => confirmSubscriber(app.db, subscriber.id));
    const confirmed = after ?? subscriber;
    const prefs = paths.preferences(app.signer.sign('preferences', confirmed));
    return respond(app, res, 200, 'You are subscribed', `<p>Thank you. <strong>${escapeHtml(confirmed.email)}</strong> will receive the next edition.</p><p><a href="${escapeHtml(prefs)}">Choose your themes</a></p>`);
  }
  return respond(
    app,
    res,
    200,
    'Confirm your subscription',
    `<p>Confirm that <strong>${escapeHtml(subscriber.email)}</strong> should receive ${escapeHtml(app.config.site.title)}.</p>
<form method="post" action="${escapeHtml(paths.confirm(token!))}"><button type="submit" class="button">Confirm my subscription</button></form>`,
  );
}

// ---- preferences ----

async function preferences(app: App, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, method: string) {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return notAllowed(res, 'GET, HEAD, POST');
  const token = query.get('token');
  const subscriber = app.signer.verify(app.db, 'preferences', token);
  if (!subscriber) return badLink(app, res);
  const receiving = subscriber.status === 'confirmed' || subscriber.status === 'pending';
  if (!receiving) {
    // Unsubscribed (or suppressed): nothing is sent, so there is no choice to save, and no "Saved" to show.
    if (method === 'POST') await readForm(req);
    return respond(
      app,
      res,
      200,
      'You are unsubscribed',
      `<p><strong>${escapeHtml(subscriber.email)}</strong> receives no editions of ${escapeHtml(app.config.site.title)}, so there are no themes to choose.</p><p><a href="${paths.subscribe()}">Subscribe again</a> to receive it.</p>`,
    );
  }
  let notice = '';
  let current = subscriber;
  let shown: readonly string[] | 'all' = subscriber.themes.length === 0 ? 'all' : subscriber.themes;
  if (method === 'POST') {
    const form = await readForm(req);
    const themes = chosenThemes(app.config, form, 'Choose at least one theme, or unsubscribe below.');
    if (!themes.ok) {
      notice = `<p class="error" role="alert">${escapeHtml(themes.message)}</p>`;
      shown = themes.ticked;
    } else {
      current = (await withWrite(() => setSubscriberThemes(app.db, subscriber.id, themes.themes))) ?? subscriber;
      shown = themes.all ? 'all' : themes.themes;
      notice = `<p class="notice" role="status"><strong>Saved.</strong> ${current.status === 'confirmed' ? 'Your choice applies from the next edition.' : 'It applies once you confirm the address.'}</p>`;
    }
  }
  const unsubscribeToken = app.signer.sign('unsubscribe', current);
  const status = current.status === 'confirmed' ? '' : '<p class="card">This address is not confirmed yet: use the link in the confirmation email.</p>';
  return respond(
    app,
    res,
    200,
    'Your preferences',
    `${notice}${status}<p>Emails go to <strong>${escapeHtml(current.email)}</strong>.</p>
<form class="subscribe-form" method="post" action="${escapeHtml(paths.preferences(token!))}">
${themeCheckboxes(app.config, shown, 'Themes you follow')}
<button type="submit" class="button">Save</button>
</form>
<form method="post" action="${escapeHtml(paths.unsubscribe(unsubscribeToken))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit" class="button secondary">Unsubscribe</button></form>`,
  );
}

// ---- unsubscribe ----

async function unsubscribe(app: App, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, method: string) {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return notAllowed(res, 'GET, HEAD, POST');
  const token = query.get('token');
  const subscriber = app.signer.verify(app.db, 'unsubscribe', token);
  if (!subscriber) {
    if (method === 'POST') await readForm(req).catch(() => undefined);
    return badLink(app, res);
  }
  if (method === 'POST') {
    // RFC 8058: the body says List-Unsubscribe=One-Click; the signed token is what authorizes it,
    // so any form body is accepted. No cookie, no redirect, and a second POST changes nothing.
    await readForm(req);
    const after = (await withWrite(() => unsubscribeSubscriber(app.db, subscriber.id))) ?? subscriber;
    return respond(
      app,
      res,
      200,
      'You are unsubscribed',
      `<p><strong>${escapeHtml(after.email)}</strong> will receive no more editions of ${escapeHtml(app.config.site.title)}.</p><p class="hint">Changed your mind? You can <a href="${paths.subscribe()}">subscribe again</a>.</p>`,
    );
  }
  if (subscriber.status === 'unsubscribed' || subscriber.status === 'suppressed') {
    return respond(app, res, 200, 'You are unsubscribed', `<p><strong>${escapeHtml(subscriber.email)}</strong> receives no editions.</p>`);
  }
  // A GET never changes anything: mail scanners follow links.
  return respond(
    app,
    res,
    200,
    'Unsubscribe',
    `<p>Stop sending ${escapeHtml(app.config.site.title)} to <strong>${escapeHtml(subscriber.email)}</strong>?</p>
<form method="post" action="${escapeHtml(paths.unsubscribe(token!))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit" class="button">Unsubscribe</button></form>
<p class="hint">Or <a href="${escapeHtml(paths.preferences(app.signer.sign('preferences', subscriber)))}">choose fewer themes</a> instead.</p>`,
  );
}

const first = (form: Form, key: string): string => form.get(key)?.[0] ?? '';

/** The visitor's address; behind a trusted proxy, the one the proxy appended to X-Forwarded-For. */
function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && forwarded) {
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').map((s) => s.trim()).filter(Boolean).at(-1);
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
