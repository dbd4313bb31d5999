/**
 * The one date parser and formatter templates use, shared by the `date` merge-field filter and
 * by value shaping for Jira date/datetime fields. Salesforce serialises dates as `YYYY-MM-DD`
 * and datetimes as ISO-8601 in UTC (`2024-05-01T10:20:30.000+0000`; without an offset, UTC is
 * assumed); nothing else is guessed,
 * because a locale-dependent guess (is 03/04 March or April?) would silently move dates.
 */
export interface IsoDate {
  /** `date` when the input had no time part; such values are never shifted by a time zone. */
  kind: 'date' | 'datetime';
  /** The instant in UTC (midnight UTC for a plain date). */
  utc: Date;
}

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseIsoDate(input: string): IsoDate | undefined {
  const match = ISO_PATTERN.exec(input.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  const millisecond = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const check = new Date(local);
  // Date.UTC rolls 2024-02-31 over into March; a round trip catches impossible calendar dates.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day
  ) {
    return undefined;
  }
  if (h === undefined) return { kind: 'date', utc: check };
  return { kind: 'datetime', utc: new Date(local - offsetMinutes(offset) * 60_000) };
}

function offsetMinutes(offset: string | undefined): number {
  if (!offset || offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

const FORMAT_TOKENS: ReadonlyArray<readonly [string, (date: Date) => string]> = [
  ['YYYY', (date) => pad(date.getUTCFullYear(), 4)],
  ['MM', (date) => pad(date.getUTCMonth() + 1)],
  ['DD', (date) => pad(date.getUTCDate())],
  ['HH', (date) => pad(date.getUTCHours())],
  ['mm', (date) => pad(date.getUTCMinutes())],
  ['ss', (date) => pad(date.getUTCSeconds())],
];

/**
 * Formats in UTC with the tokens YYYY MM DD HH mm ss; every other character is copied as is.
 * Deliberately tiny: a format string is admin data and must not be able to do anything else.
 */
export function formatIsoDate(date: IsoDate, format: string): string {
  let out = '';
  let i = 0;
  outer: while (i < format.length) {
    for (const [token, render] of FORMAT_TOKENS) {
      if (format.startsWith(token, i)) {
        out += render(date.utc);
        i += token.length;
        continue outer;
      }
    }
    out += format[i];
    i += 1;
  }
  return out;
}

/** `YYYY-MM-DD`, as Jira date fields expect. */
export function toJiraDate(date: IsoDate): string {
  return formatIsoDate(date, 'YYYY-MM-DD');
}

/** `2024-05-01T10:20:30.000+0000`, the datetime form Jira documents for create. */
export function toJiraDateTime(date: IsoDate): string {
  return `${formatIsoDate(date, 'YYYY-MM-DDTHH:mm:ss')}.${pad(date.utc.getUTCMilliseconds(), 3)}+0000`;
}
