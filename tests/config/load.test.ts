import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project?.cleanup());

function configError(yaml: string) {
  project = tempProject();
  writeFileSync(path.join(project.root, 'briefing.config.yml'), yaml);
  try {
    loadConfig({ root: project.root, env: {} });
  } catch (error) {
    return error as { code: string; located: string };
  }
  throw new Error('expected the config to be refused');
}

const VALID = `site:
  title: T
  base_url: https://example.org/
sender:
  name: S
  address: s@example.org
postal_address: 1 Street
`;

describe('loadConfig', () => {
  it('fills defaults: the three default themes, Monday 07:00, data/ and 127.0.0.1:8080', () => {
    project = tempProject();
    writeFileSync(path.join(project.root, 'briefing.config.yml'), VALID);
    const config = loadConfig({ root: project.root, env: {} });
    expect(config.themes.map((t) => t.slug)).toEqual(['safety', 'open-source', 'export-controls']);
    expect(config.schedule).toEqual({ cron: '0 7 * * 1', timezone: 'UTC' });
    expect(config.site.base_url).toBe('https://example.org');
    expect(config.dataDir).toBe(path.join(project.root, 'data'));
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(config.secrets).toEqual({ smtpUrl: undefined, secret: undefined, bounceImapUrl: undefined, webhooks: { generic: undefined, mailgun: undefined, sendgrid: undefined, postmark: undefined } });
  });

  it('takes secrets, the data dir and the port only from the environment', () => {
    project = tempProject();
    const config = project.config({
      SMTP_URL: 'smtp://127.0.0.1:2525',
      BRIEFING_SECRET: 's3cret',
      PORT: '9090',
      BRIEFING_DATA_DIR: '/tmp/x',
      BOUNCE_IMAP_URL: 'imaps://b:p@imap.example.org/INBOX',
      BRIEFING_WEBHOOK_SECRET: 'g',
      MAILGUN_WEBHOOK_SIGNING_KEY: 'm',
      SENDGRID_WEBHOOK_PUBLIC_KEY: 's',
      POSTMARK_WEBHOOK_AUTH: 'u:p',
    });
    expect(config.secrets).toEqual({
      smtpUrl: 'smtp://127.0.0.1:2525',
      secret: 's3cret',
      bounceImapUrl: 'imaps://b:p@imap.example.org/INBOX',
      webhooks: { generic: 'g', mailgun: 'm', sendgrid: 's', postmark: 'u:p' },
    });
    expect(config.server.port).toBe(9090);
    expect(config.dataDir).toBe('/tmp/x');
  });

  it('names the bad key and its line', () => {
    const error = configError(VALID + 'themes:\n  - slug: safety\n    label: Safety\n    description: d\n    accent: red\n');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.located).toMatch(/briefing\.config\.yml:12:5: themes\[0\]\.accent: expected a colour such as "#1a7f37"$/);
  });

  it('suggests the nearest key for a typo', () => {
    const error = configError(VALID.replace('postal_address', 'postal_adress'));
    expect(error.located).toMatch(/:7:1: unknown key 'postal_adress'; did you mean 'postal_address'\?$/);
  });

  it('refuses a base URL with quotes, spaces or angle brackets at its line (every send used to stop at its first message)', () => {
    for (const bad of ['https://example.org/"news"', 'https://example.org/a b', 'https://example.org/<x>', "https://example.org/'x'"]) {
      expect(configError(VALID.replace('https://example.org/', JSON.stringify(bad))).located, bad).toMatch(/:3:3: site\.base_url: must not contain spaces, quotes or angle brackets$/);
    }
    expect(configError(VALID.replace('https://example.org/', 'https://example.org/?ref=mail')).located).toMatch(/:3:3: site\.base_url: must not have a query or a fragment/);
    expect(configError(VALID.replace('https://example.org/', 'https://user:pw@example.org/')).located).toMatch(/:3:3: site\.base_url: must not hold a user name or password/);
  });

  it('keeps the base URL as the URL parser spells it: host in lower case, no trailing slash', () => {
    project = tempProject();
    writeFileSync(path.join(project.root, 'briefing.config.yml'), VALID.replace('https://example.org/', 'https://Briefing.Example.ORG/news/'));
    expect(loadConfig({ root: project.root, env: {} }).site.base_url).toBe('https://briefing.example.org/news');
  });

  it('refuses an unknown time zone and a relative base URL', () => {
    expect(configError(VALID + 'schedule:\n  timezone: Mars/Olympus\n').located).toMatch(/:9:3: schedule\.timezone: expected an IANA time zone/);
    expect(configError(VALID.replace('https://example.org/', '/relative')).located).toMatch(/:3:3: site\.base_url: expected an absolute http\(s\) URL/);
  });

  it('refuses secrets in the file', () => {
    expect(configError(VALID + 'smtp_url: smtp://user:pw@host\n').located).toMatch(/unknown key 'smtp_url'/);
  });
});
