/**
 * The archive's Content-Security-Policy, in one place: the pages carry it in
 * a <meta> tag (so a site copied to any static host keeps it) and `briefing
 * serve` sends the same policy as a header. Browsers enforce every policy
 * they are given, so two that differ leave only what both allow; one source
 * keeps what the header says and what the pages get the same.
 *
 * The public copies of edition emails (editions/<id>/email.html) are email
 * HTML: inline styles, and images from anywhere a brief links them. They get
 * a policy of their own, still without scripts.
 */
const PAGE_DIRECTIVES = [
  "default-src 'self'",
  // Our scripts and Pagefind's; its WebAssembly needs wasm-unsafe-eval. Nothing external, no inline code.
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
];

const EMAIL_COPY_DIRECTIVES = ["default-src 'none'", "style-src 'unsafe-inline'", 'img-src https: data:', "base-uri 'none'", "form-action 'none'"];

/** frame-ancestors works only as a header (a <meta> policy ignores it, with a console warning). */
const HEADER_ONLY = ["frame-ancestors 'none'"];

/** For the <meta http-equiv> tag of every archive page. */
export const ARCHIVE_META_CSP = PAGE_DIRECTIVES.join('; ');
/** The header `briefing serve` sends with archive files. */
export const ARCHIVE_HEADER_CSP = [...PAGE_DIRECTIVES, ...HEADER_ONLY].join('; ');
/** The header for the public copy of an edition email. */
export const EMAIL_COPY_HEADER_CSP = [...EMAIL_COPY_DIRECTIVES, ...HEADER_ONLY].join('; ');

/** Whether a site path is the public copy of an edition email. */
export const isEmailCopy = (sitePath: string): boolean => /^\/editions\/[^/]+\/email\.html$/.test(sitePath);
