/**
 * The database schema as an ordered list of migrations. `PRAGMA user_version`
 * records how many have run. Append new ones; never edit or reorder old ones,
 * because databases in the field have already run them.
 */
export interface Migration {
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    name: 'subscribers and delivery log',
    sql: `
      CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        -- As given, normalized: trimmed, domain lowercased, local part kept.
        email TEXT NOT NULL,
        -- Lowercased email: addresses differing only by case are one subscriber.
        email_key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        -- Comma-separated theme slugs; empty means every theme, including future ones.
        themes TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'suppressed')),
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        -- When the pending request was made: binds confirmation tokens to one request.
        requested_at TEXT,
        confirmed_at TEXT,
        unsubscribed_at TEXT,
        suppressed_reason TEXT
      );
      CREATE INDEX subscribers_status ON subscribers (status, id);

      CREATE TABLE deliveries (
        edition_id TEXT NOT NULL,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'bounced', 'uncertain')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_response TEXT,
        message_id TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (edition_id, subscriber_id)
      ) WITHOUT ROWID;
      CREATE INDEX deliveries_status ON deliveries (edition_id, status, subscriber_id);

      -- One sender per edition at a time; a row left by a killed process is taken over (its pid is gone).
      CREATE TABLE send_locks (
        edition_id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL
      );
    `,
  },
  {
    name: 'service locks and schedule ticks',
    sql: `
      -- One row per named lock; a holder renews expires_at while it works, so a
      -- crashed holder's lock lapses and another process may take it.
      CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        -- Milliseconds since the epoch: compared, never shown.
        expires_at INTEGER NOT NULL
      );

      -- Every tick the service or run-now started: how a restart knows the last
      -- completed tick, and what a person reads when asking "did it send?".
      CREATE TABLE ticks (
        id INTEGER PRIMARY KEY,
        -- The scheduled tick's instant (UTC ISO); for run-now, when it started.
        slot TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('scheduled', 'catch-up', 'manual')),
        owner TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        -- NULL while running, or forever if the process died: such a tick is run again.
        result TEXT CHECK (result IN ('sent', 'nothing', 'failed', 'interrupted')),
        edition_id TEXT,
        sent INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        message TEXT
      );
      CREATE INDEX ticks_slot ON ticks (slot);

      -- Small facts the service keeps, such as when the schedule first started.
      CREATE TABLE service_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    name: 'index only the deliveries still to send',
    sql: `
      -- deliveries_status moved every row through the index twice while sending (pending → sending → sent,
      -- each a delete and an insert on another page), writing about two more pages per commit. This one
      -- holds only the rows still waiting, so a row leaves it once, and finding interrupted editions reads
      -- only those rows. Reading an edition's rows in order uses the primary key.
      DROP INDEX deliveries_status;
      CREATE INDEX deliveries_unsent ON deliveries (edition_id) WHERE status IN ('pending', 'sending');
    `,
  },
  {
    name: 'delivery events, answer classes and soft bounces',
    sql: `
      -- What the last answer meant (outcome.ts): hard, soft, blocked, unknown or connection; NULL once sent.
      ALTER TABLE deliveries ADD COLUMN class TEXT;
      -- Editions in a row whose message soft-bounced, and the last of them (so one edition counts once).
      ALTER TABLE subscribers ADD COLUMN soft_bounces INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE subscribers ADD COLUMN soft_bounce_edition TEXT;

      -- Every failed answer and every report after acceptance (bounces, complaints), with its raw text,
      -- so a suppression can be seen, questioned and undone. Never updated, only added to.
      CREATE TABLE delivery_events (
        id INTEGER PRIMARY KEY,
        -- Set for reports from outside (a DSN, an ARF report, a webhook): the same report applies once.
        key TEXT UNIQUE,
        source TEXT NOT NULL CHECK (source IN ('smtp', 'dsn', 'arf', 'webhook', 'operator')),
        kind TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'blocked', 'unknown', 'connection', 'complaint', 'restored')),
        edition_id TEXT,
        subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE CASCADE,
        status TEXT,
        response TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX delivery_events_subscriber ON delivery_events (subscriber_id, id);
      CREATE INDEX delivery_events_edition ON delivery_events (edition_id, kind);
    `,
  },
  {
    name: 'send locks are leases',
    sql: `
      -- The per-edition send lock is a lease in locks (send:<edition>), with a heartbeat and an owner id a
      -- new process cannot share. A pid alone was taken over by any live process that reused it.
      DROP TABLE send_locks;
    `,
  },
  {
    name: 'subscribe limits survive a restart',
    sql: `
      -- The subscribe form's sliding-window limits, per IP and per address, kept here so a restart does
      -- not reset them (an address could be mail-bombed with confirmations). Keys are hashes, not addresses.
      CREATE TABLE rate_hits (
        key TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX rate_hits_key ON rate_hits (key, at);
    `,
  },
  {
    name: 'confirmation mails are queued',
    sql: `
      -- The double opt-in mail, sent from the background with retries: /subscribe answers at once, the same
      -- for a new address as for a known one, however slow or dead the relay is.
      CREATE TABLE confirmation_mails (
        id INTEGER PRIMARY KEY,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        to_address TEXT NOT NULL,
        url TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT
      );
      CREATE INDEX confirmation_mails_due ON confirmation_mails (status, next_at);
    `,
  },
  {
    name: 'opaque subscriber ids in links',
    sql: `
      -- Links, Message-IDs and VERP addresses name a subscriber by this random id, not by the row id: a
      -- sequential id in a link told anyone roughly how large the list is. Lowercase hex, as some mail
      -- systems lowercase the local part of an address.
      ALTER TABLE subscribers ADD COLUMN public_id TEXT;
      UPDATE subscribers SET public_id = lower(hex(randomblob(9)));
      CREATE UNIQUE INDEX subscribers_public_id ON subscribers (public_id);
      CREATE TRIGGER subscribers_public_id AFTER INSERT ON subscribers WHEN NEW.public_id IS NULL
      BEGIN
        UPDATE subscribers SET public_id = lower(hex(randomblob(9))) WHERE id = NEW.id;
      END;
    `,
  },
];
