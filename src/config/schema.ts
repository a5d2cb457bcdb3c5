/**
 * The config file's schema. Types come from it, so the file, the validation
 * and the code cannot drift apart. Secrets are not here: they come only from
 * the environment (see load.ts).
 */
import { z } from 'zod';

const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a lowercase slug such as "open-source"');

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a colour such as "#1a7f37"');

const oneLine = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((s) => !/[\u0000-\u001f\u007f\u2028\u2029]/.test(s), 'must be one line with no control characters');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const themeSchema = z.strictObject({
  slug,
  label: oneLine,
  description: oneLine,
  accent: colour,
});

export const DEFAULT_THEMES: z.input<typeof themeSchema>[] = [
  {
    slug: 'safety',
    label: 'AI safety',
    description: 'Safety research, national-security risk and the policy meant to contain it.',
    accent: '#b42318',
  },
  {
    slug: 'open-source',
    label: 'Open source',
    description: 'Open-weight models such as DeepSeek-R1 and Qwen, and the debate over releasing them.',
    accent: '#1a7f37',
  },
  {
    slug: 'export-controls',
    label: 'Export controls',
    description: 'Chip export restrictions, compute and the supply chains behind them.',
    accent: '#1f4fbf',
  },
];

export const configSchema = z.strictObject({
  site: z
    .strictObject({
      title: oneLine.default('Briefing'),
      description: oneLine.default('A weekly briefing.'),
      // Every link in every email starts with it, and a mail header carries it: refused here, with its line,
      // rather than at the first message ("unsafe header value"). Kept as the URL parser spells it.
      base_url: z
        .url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL such as "https://briefing.example.org"' })
        .refine((u) => !/[\s"'<>`{}|\\^]/.test(u), 'must not contain spaces, quotes or angle brackets')
        .refine((u) => !/[?#]/.test(u), 'must not have a query or a fragment: links are made by adding paths to it')
        .refine((u) => !URL.parse(u)?.username && !URL.parse(u)?.password, 'must not hold a user name or password')
        .transform((u) => (URL.parse(u)?.href ?? u).replace(/\/+$/, '')),
      language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag such as "en"').default('en'),
      /**
       * When an edition and its briefs reach the public archive and feeds. `on-send` (the default): once its
       * first message went out (`sent_at`), so the web never shows readers what their inbox has not, nor an
       * editor's draft. `on-date`: also once its date has come, for a site without subscribers.
       */
      publish: z.enum(['on-send', 'on-date'], 'expected on-send or on-date').default('on-send'),
    }),
  sender: z.strictObject({
    name: oneLine,
    address: z.email('expected an email address'),
    reply_to: z.email('expected an email address').optional(),
  }),
  postal_address: oneLine,
  schedule: z
    .strictObject({
      cron: oneLine.default('0 7 * * 1'),
      timezone: z.string().refine(isTimeZone, 'expected an IANA time zone such as "Europe/Berlin"').default('UTC'),
    })
    .prefault({}),
  themes: z
    .array(themeSchema)
    .min(1, 'list at least one theme')
    .superRefine((themes, ctx) => {
      const seen = new Set<string>();
      themes.forEach((t, i) => {
        if (seen.has(t.slug)) ctx.addIssue({ code: 'custom', message: `duplicate theme slug "${t.slug}"`, path: [i, 'slug'] });
        seen.add(t.slug);
      });
    })
    .default(DEFAULT_THEMES as z.output<typeof themeSchema>[]),
  email: z
    .strictObject({
      /** Placeholders: {title} {number} {date} {lead} (the first brief's title). */
      subject: oneLine.default('{title} #{number}: {lead}'),
      /** Gmail clips HTML past about 102 KB; stay well under it. */
      max_html_bytes: z.number().int().min(20_000).max(102_000).default(90_000),
      /** Optional first line of each email; {name} becomes the subscriber's name, e.g. "Hello {name},". */
      greeting: oneLine.optional(),
    })
    .prefault({}),
  delivery: z
    .strictObject({
      pool_size: z.number().int().min(1).max(50).default(5),
      /** Messages per second across the pool; 0 means as fast as the server takes them. */
      rate_per_second: z.number().min(0).default(0),
      max_attempts: z.number().int().min(1).max(20).default(5),
      retry_base_ms: z.number().int().min(0).default(30_000),
      /**
       * An interrupted send older than this (`2d`, `36h`) is not resumed by the service or a bare `send`:
       * stale news should not reach readers days late. `send --resume-stale` finishes it anyway.
       */
      resume_max_age: z.string().regex(/^[1-9]\d*[hd]$/, 'expected hours or days, such as 36h or 2d').default('2d'),
      /** Editions in a row whose message soft-bounced (4xx after every retry, mailbox full) before the address is suppressed. */
      soft_bounce_limit: z.number().int().min(1).max(50).default(3),
      /** The circuit breaker: stop a send when this many of the last `window` answers are blocks or connection failures. */
      max_error_rate: z
        .strictObject({ errors: z.number().int().min(1).default(20), window: z.number().int().min(1).default(100) })
        .refine((r) => r.errors <= r.window, 'errors must be at most window')
        .prefault({}),
      /**
       * Amazon SES notifications through SNS, at /webhooks/ses: only from this topic, signed by a certificate
       * from sns.<region>.amazonaws.com, or the certificate file given (pinned).
       */
      ses: z.strictObject({ topic_arn: z.string().regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'expected an SNS topic ARN'), certificate_file: z.string().min(1).optional() }).optional(),
      /** With a domain whose mail comes to Briefing's bounce mailbox, each message's envelope sender names it (VERP). */
      bounce_domain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'expected a domain such as bounces.example.org').optional(),
      dkim: z
        .strictObject({
          domain: z.string().min(1),
          selector: z.string().min(1),
          /** Path to the PEM private key; the key itself never goes in this file. */
          private_key_file: z.string().min(1),
        })
        .optional(),
    })
    .prefault({}),
  /** The pre-send checks (`briefing preflight`, before every send and at each tick). */
  preflight: z
    .strictObject({
      /** Fetch every source link of the edition; without a network each is "could not check", a warning. */
      check_links: z.boolean().default(true),
      link_timeout_ms: z.number().int().min(500).max(60_000).default(8_000),
      link_concurrency: z.number().int().min(1).max(16).default(4),
    })
    .prefault({}),
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Subscribe requests allowed per IP and per address in each hour. */
      subscribe_per_hour: z.number().int().min(1).default(5),
      /**
       * Behind a reverse proxy (nginx, Caddy) every request comes from the proxy: set this so the
       * per-IP limit uses the last address in X-Forwarded-For, which the proxy adds.
       */
      trust_proxy: z.boolean().default(false),
      /** Open connections at most, in all and from one IP (the latter not behind a proxy: it is the proxy's job). */
      max_connections: z.number().int().min(10).default(1000),
      max_connections_per_ip: z.number().int().min(1).default(50),
    })
    .prefault({}),
});

export type ConfigFile = z.output<typeof configSchema>;
export type Theme = z.output<typeof themeSchema>;

export interface Secrets {
  /** SMTP connection URL; without it, mail is written to the outbox folder. */
  smtpUrl: string | undefined;
  /** Signs subscriber tokens. */
  secret: string | undefined;
  /** BOUNCE_IMAP_URL: the bounce mailbox, `imaps://user:password@host:993/INBOX` (or imap:// with STARTTLS). */
  bounceImapUrl: string | undefined;
  /** Webhook credentials, each enabling its endpoint under /webhooks/ (docs/operations.md). */
  webhooks: {
    /** BRIEFING_WEBHOOK_SECRET: HMAC key of the generic JSON webhook. */
    generic: string | undefined;
    /** MAILGUN_WEBHOOK_SIGNING_KEY */
    mailgun: string | undefined;
    /** SENDGRID_WEBHOOK_PUBLIC_KEY: the signed event webhook's ECDSA public key (base64 DER, as SendGrid shows it). */
    sendgrid: string | undefined;
    /** POSTMARK_WEBHOOK_AUTH: `user:password`, the basic-auth credentials put in Postmark's webhook URL. */
    postmark: string | undefined;
  };
}

export interface Config extends ConfigFile {
  /** Folder of the config file: every relative path is resolved from here. */
  root: string;
  /** The config file, for messages; undefined when running on defaults. */
  file: string | undefined;
  briefsDir: string;
  editionsDir: string;
  templatesDir: string;
  dataDir: string;
  secrets: Secrets;
}
