/**
 * Wall-clock time in an IANA zone, without a date library. A "wall" value is
 * a local date-time encoded as if it were UTC milliseconds, which has no DST:
 * every wall minute exists exactly once there, so the cron can be matched on
 * it and each match mapped to one real instant here.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time at `instant` in `zone`, as wall milliseconds. */
export function toWall(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const whole = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return whole + (((instant % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `instant`, in milliseconds (New York in winter: -5 h). */
export function offsetAt(instant: number, zone: string): number {
  return toWall(instant, zone) - instant;
}

const DAY = 86_400_000;

/**
 * The real instant of a wall-clock time. A time that does not exist (the
 * spring-forward gap) moves forward by the gap's length, 02:30 → 03:30, as
 * cron-parser and Temporal's "compatible" rule do; a time that exists twice
 * (the fall-back overlap) is its first occurrence. So each wall time has
 * exactly one instant, and a tick in a gap or overlap runs once.
 */
export function fromWall(wall: number, zone: string): number {
  // Zones change offset at most once in any two days, so the offsets a day
  // either side are the only candidates.
  const before = offsetAt(wall - DAY, zone);
  const after = offsetAt(wall + DAY, zone);
  const valid = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => toWall(instant, zone) === wall)
    .sort((a, b) => a - b);
  if (valid[0] !== undefined) return valid[0];
  // In a gap: read the wall time with the offset from before the change.
  return wall - before;
}

/** `2026-03-08 02:30` (or with seconds when they are not zero), for logs. */
export function formatWall(wall: number): string {
  const iso = new Date(wall).toISOString();
  const seconds = iso.slice(17, 19);
  return iso.slice(0, 10) + ' ' + iso.slice(11, seconds === '00' ? 16 : 19);
}

/** A real instant shown in a zone: `2026-03-08 03:30 America/New_York (UTC-04:00)`. */
export function formatInZone(instant: number, zone: string): string {
  const offset = offsetAt(instant, zone) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${formatWall(toWall(instant, zone))} ${zone} (UTC${sign}${hh}:${mm})`;
}
