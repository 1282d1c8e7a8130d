/**
 * HTTP `Retry-After` (RFC 9110 §10.2.3): `delay-seconds` or an HTTP-date. OTLP/HTTP allows
 * both (opentelemetry-proto v1.11.0); the Collector's otlphttp exporter reads it only on 429 and
 * 503, and so do we (the caller decides when to ask).
 */
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const dayNames = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const longDayNames = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const month = `(${months.join('|')})`;
const time = '(\\d{2}):(\\d{2}):(\\d{2})';

/** The three forms RFC 9110 §5.6.7 says a recipient MUST accept. */
const imfFixdate = new RegExp(`^${dayNames}, (\\d{2}) ${month} (\\d{4}) ${time} GMT$`);
const rfc850 = new RegExp(`^${longDayNames}, (\\d{2})-${month}-(\\d{2}) ${time} GMT$`);
const asctime = new RegExp(`^${dayNames} ${month} ([ \\d]\\d) ${time} (\\d{4})$`);

function utc(year: number, monthName: string, day: string, h: string, m: string, s: string): number | undefined {
  const dd = day.trim().padStart(2, '0');
  const millis = Date.UTC(year, months.indexOf(monthName), Number(dd), Number(h), Number(m), Number(s));
  // Date.UTC rolls 31 Feb or 25:00 over to another date; printing it back catches that.
  const expected = `${dd} ${monthName} ${year} ${h}:${m}:${s} GMT`;
  return new Date(millis).toUTCString().slice(5) === expected ? millis : undefined;
}

/** Epoch milliseconds of an HTTP-date, or undefined when the text is not one. */
export function parseHttpDate(text: string): number | undefined {
  let match = imfFixdate.exec(text);
  if (match) return utc(Number(match[3]), match[2], match[1], match[4], match[5], match[6]);
  match = rfc850.exec(text);
  if (match) {
    // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
    const nowYear = new Date().getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(match[3]);
    if (year > nowYear + 50) year -= 100;
    return utc(year, match[2], match[1], match[4], match[5], match[6]);
  }
  match = asctime.exec(text);
  if (match) return utc(Number(match[6]), match[1], match[2], match[3], match[4], match[5]);
  return undefined;
}

/**
 * The delay a `Retry-After` value asks for, in milliseconds (0 for a date already past), or
 * undefined when absent or malformed, in which case the caller backs off on its own.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = parseHttpDate(text);
  return date === undefined ? undefined : Math.max(0, date - now);
}
