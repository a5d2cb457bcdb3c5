/**
 * Baseline (4b), naive nodemailer: for each recipient, sendMail({from, to,
 * subject, html, text, headers}), so nodemailer composes every message from
 * the HTML and text parts (Briefing's rendered variant for the recipient's
 * theme choice, personalized by string substitution). Pooled (`--pool` connections, the same as Briefing's
 * delivery.pool_size, unlimited messages per connection); at most 2 × pool
 * messages in flight, so the queue stays bounded.
 */
import nodemailer from 'nodemailer';
import { personalize, type EmailVariant } from '../../src/render/variant.js';
import { report, taskArgs } from '../lib/child.js';
import { readSample } from '../lib/sample.js';

const args = taskArgs();
const count = Number(args.count);
const pool = Number(args.pool ?? 5);
const sample = readSample(args.sample!);
const variants: EmailVariant[] = sample.variants.map((v) => ({ editionId: 'bench', ...v }));

const transporter = nodemailer.createTransport({
  host: '127.0.0.1',
  port: Number(args.port),
  secure: false,
  ignoreTLS: true,
  pool: true,
  maxConnections: pool,
  maxMessages: Infinity,
});

let next = 0;
let sent = 0;
const worker = async () => {
  while (next < count) {
    const i = next++;
    const unsubscribeUrl = `https://bench.briefing.test/unsubscribe/?t=${i}`;
    const m = personalize(variants[i % variants.length]!, { unsubscribeUrl, preferencesUrl: `https://bench.briefing.test/preferences/?t=${i}`, name: `Reader ${i}` });
    await transporter.sendMail({
      from: { name: sample.from.name, address: sample.from.address },
      to: `reader${i}@example.com`,
      subject: m.subject,
      html: m.html,
      text: m.text,
      headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    sent++;
  }
};
const start = performance.now();
await Promise.all(Array.from({ length: pool * 2 }, worker));
const ms = performance.now() - start;
transporter.close();
report({ ms, sent, messagesPerSecond: sent / (ms / 1000) });
