/**
 * The sink's capacity (4c): prebuilt raw messages (one per theme choice,
 * composed once by nodemailer's MailComposer and dot-stuffed once; recipient
 * i gets choice i mod 8, as on the other sides) piped to the sink as fast as
 * it takes them, by a minimal raw SMTP client over `--pool`
 * open connections (PIPELINING of MAIL/RCPT/DATA). No composing, no
 * personalizing: the ceiling for any sender on this machine.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { report, taskArgs } from '../lib/child.js';
import { blast, dataBlock } from '../lib/raw-smtp.js';
import { readSample } from '../lib/sample.js';

const args = taskArgs();
const count = Number(args.count);
const pool = Number(args.pool ?? 5);
const sample = readSample(args.sample!);

const messages: Buffer[] = [];
for (const v of sample.variants) {
  const raw = await new MailComposer({
    from: sample.from,
    to: 'reader@example.com',
    subject: v.subject,
    html: v.html,
    text: v.text,
    headers: { 'List-Unsubscribe': '<https://bench.briefing.test/unsubscribe/?t=0>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  })
    .compile()
    .build();
  messages.push(dataBlock(raw));
}

const start = performance.now();
await blast({ port: Number(args.port), connections: pool, count, from: sample.from.address, data: (i) => messages[i % messages.length]! });
const ms = performance.now() - start;
report({ ms, sent: count, messagesPerSecond: count / (ms / 1000) });
