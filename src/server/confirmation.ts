/**
 * The double opt-in mail: the only message ever sent to an unconfirmed
 * address. One-off, so nodemailer's MailComposer builds it.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Config } from '../config/schema.js';
import type { Transport } from '../delivery/transport.js';
import { escapeHtml } from './pages.js';

export async function sendConfirmation(config: Config, transport: Transport, to: string, confirmUrl: string): Promise<void> {
  const title = config.site.title;
  const text = [
    `Please confirm your subscription to ${title}.`,
    '',
    `Confirm: ${confirmUrl}`,
    '',
    'If you did not ask for this, ignore this message: you will not hear from us again.',
    '',
    '--',
    config.postal_address,
  ].join('\n');
  const html = `<!doctype html><html lang="${escapeHtml(config.site.language)}"><body style="font-family:system-ui,sans-serif;line-height:1.5">
<p>Please confirm your subscription to <strong>${escapeHtml(title)}</strong>.</p>
<p><a href="${escapeHtml(confirmUrl)}" style="display:inline-block;padding:10px 16px;background:#1f4fbf;color:#fff;text-decoration:none;border-radius:6px">Confirm my subscription</a></p>
<p style="color:#57606a">If you did not ask for this, ignore this message: you will not hear from us again.</p>
<p style="color:#57606a;font-size:13px">${escapeHtml(config.postal_address)}</p>
</body></html>`;
  const raw = await new MailComposer({
    from: { name: config.sender.name, address: config.sender.address },
    to,
    ...(config.sender.reply_to ? { replyTo: config.sender.reply_to } : {}),
    subject: `Confirm your subscription to ${title}`,
    text,
    html,
    headers: { 'Auto-Submitted': 'auto-generated' },
  })
    .compile()
    .build();
  await transport.send(raw, { from: config.sender.address, to: [to] });
}
