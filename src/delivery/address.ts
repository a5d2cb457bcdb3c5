/**
 * Strict email address validation and normalization. We accept what a
 * mailbox provider would hand out (dot-atom local part, a DNS domain) and
 * refuse the exotic forms RFC 5322 allows (quoted strings, comments, IP
 * literals): they are typos far more often than real addresses.
 */
import { domainToASCII } from 'node:url';

export type AddressResult = { ok: true; email: string; key: string } | { ok: false; message: string };

const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Trims, lowercases the domain (converting an international domain to its
 * ASCII form) and keeps the local part as typed. `key` (all lowercase) is
 * what makes two spellings the same subscriber.
 */
export function normalizeAddress(input: string): AddressResult {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, message: 'email address is empty' };
  if (/[\s<>()",;:\\[\]]/.test(trimmed) || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    return { ok: false, message: `"${printable(trimmed)}" is not an email address (spaces, brackets, quotes and commas are not allowed)` };
  }
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1 || trimmed.indexOf('@') !== at) {
    return { ok: false, message: `"${printable(trimmed)}" is not an email address (expected name@domain)` };
  }
  const local = trimmed.slice(0, at);
  const rawDomain = trimmed.slice(at + 1);
  if (local.length > 64) return { ok: false, message: `"${printable(trimmed)}": the part before @ is longer than 64 characters` };
  if (!local.split('.').every((part) => ATOM.test(part))) {
    return { ok: false, message: `"${printable(trimmed)}": the part before @ has characters or dots an address cannot have` };
  }
  const domain = /^[\x00-\x7f]*$/.test(rawDomain) ? rawDomain.toLowerCase() : domainToASCII(rawDomain.toLowerCase());
  const labels = domain.split('.');
  if (!domain || domain.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels.at(-1)!)) {
    return { ok: false, message: `"${printable(trimmed)}": "${printable(rawDomain)}" is not a valid domain` };
  }
  const email = `${local}@${domain}`;
  if (email.length > 254) return { ok: false, message: `"${printable(trimmed)}" is longer than 254 characters` };
  return { ok: true, email, key: email.toLowerCase() };
}

const printable = (s: string) => (s.length > 80 ? s.slice(0, 77) + '...' : s).replace(/[\u0000-\u001f\u007f]/g, '?');
