/**
 * Loads the config: schema defaults, then the file, then the environment.
 * Every problem names the key and its line in the file.
 */
import { formatSize } from '../units.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { displayPath } from '../paths.js';
import { InputError, BriefingError } from '../errors.js';
import { parseYaml, MAX_YAML_BYTES } from '../yaml/parse.js';
import { zodProblems } from '../yaml/zod-problems.js';
import { configSchema, type Config, type ConfigFile } from './schema.js';

export const CONFIG_FILE = 'briefing.config.yml';

export interface LoadConfigOptions {
  /** Project folder; defaults to the current directory. */
  root?: string;
  /** Config file path; defaults to `<root>/briefing.config.yml`. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const file = path.resolve(options.root ?? process.cwd(), options.file ?? CONFIG_FILE);
  // Named as the writer gave it (--config), else from where they stand.
  const shown = options.file ?? displayPath(file);
  if (!existsSync(file)) {
    throw new BriefingError(
      'CONFIG_NOT_FOUND',
      options.file ? 'no such config file (given with --config)' : `no config file here; create ${CONFIG_FILE} (see README), or name one with --config`,
      { file: shown },
    );
  }
  const text = readFileSync(file, 'utf8');
  if (Buffer.byteLength(text) > MAX_YAML_BYTES) {
    throw new InputError('CONFIG_INVALID', `config is larger than ${formatSize(MAX_YAML_BYTES)}`, { file: shown });
  }
  const yaml = parseYaml(text.replace(/^\uFEFF/, ''));
  const first = yaml.problems[0];
  if (first) throw new InputError('CONFIG_INVALID', first.message, { file: shown, position: first.position });

  const result = configSchema.safeParse(yaml.data ?? {});
  if (!result.success) {
    // An unknown key usually explains a "required" one (a typo), so it is the one to show.
    const problems = zodProblems(result.error, yaml.positionOf, Object.keys(configSchema.shape));
    const problem = problems.find((p) => p.message.startsWith('unknown key')) ?? problems[0];
    throw new InputError('CONFIG_INVALID', problem?.message ?? 'invalid config', {
      file: shown,
      ...(problem ? { position: problem.position } : {}),
    });
  }
  return resolveConfig(result.data, path.dirname(file), file, options.env ?? process.env);
}

/** Builds a Config from plain data: for tests and tools that have no file. */
export function configFromData(data: unknown, root: string, env: NodeJS.ProcessEnv = {}): Config {
  return resolveConfig(configSchema.parse(data), root, undefined, env);
}

function resolveConfig(parsed: ConfigFile, root: string, file: string | undefined, env: NodeJS.ProcessEnv): Config {
  const port = env.PORT ? Number(env.PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw new InputError('CONFIG_INVALID', `PORT must be a port number, not "${env.PORT}"`);
  }
  return {
    ...parsed,
    server: { ...parsed.server, ...(port !== undefined ? { port } : {}) },
    root,
    file,
    briefsDir: path.join(root, 'briefs'),
    editionsDir: path.join(root, 'editions'),
    templatesDir: path.join(root, 'templates'),
    dataDir: path.resolve(root, env.BRIEFING_DATA_DIR || 'data'),
    secrets: {
      smtpUrl: env.SMTP_URL || undefined,
      secret: env.BRIEFING_SECRET || undefined,
      bounceImapUrl: env.BOUNCE_IMAP_URL || undefined,
      webhooks: {
        generic: env.BRIEFING_WEBHOOK_SECRET || undefined,
        mailgun: env.MAILGUN_WEBHOOK_SIGNING_KEY || undefined,
        sendgrid: env.SENDGRID_WEBHOOK_PUBLIC_KEY || undefined,
        postmark: env.POSTMARK_WEBHOOK_AUTH || undefined,
      },
    },
  };
}
