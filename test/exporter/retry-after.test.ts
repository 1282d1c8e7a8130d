import t from 'tap';
import { parseHttpDate, parseRetryAfter } from '../../src/exporter/retry-after.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

t.test('delay-seconds', async (t) => {
  t.equal(parseRetryAfter('7', now), 7000);
  t.equal(parseRetryAfter('0', now), 0);
  t.equal(parseRetryAfter(' 120 ', now), 120_000, 'surrounding whitespace is tolerated');
  t.equal(parseRetryAfter('1.5', now), undefined, 'delay-seconds is an integer');
  t.equal(parseRetryAfter('-3', now), undefined);
  t.equal(parseRetryAfter('7s', now), undefined);
});

t.test('HTTP-date, in the three forms RFC 9110 makes recipients accept', async (t) => {
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now), 30_000, 'IMF-fixdate');
  t.equal(parseRetryAfter('Thursday, 01-Jan-26 12:01:00 GMT', now), 60_000, 'RFC 850');
  t.equal(parseRetryAfter('Thu Jan  1 12:00:05 2026', now), 5000, 'asctime, space-padded day');
  t.equal(parseRetryAfter('Sat Jan 31 12:00:00 2026', now), 30 * 86_400_000, 'asctime, two-digit day');
  t.equal(parseRetryAfter(new Date(now + 9000).toUTCString(), now), 9000, "Date#toUTCString's own output");
});

t.test('a date in the past means "now"', async (t) => {
  t.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:59 GMT', now), 0);
});

t.test('RFC 850 two-digit years are read within 50 years of today', async (t) => {
  const thisYear = new Date().getUTCFullYear();
  const yy = String((thisYear + 60) % 100).padStart(2, '0');
  const parsed = parseHttpDate(`Monday, 01-Jan-${yy} 00:00:00 GMT`) as number;
  t.equal(new Date(parsed).getUTCFullYear(), thisYear + 60 - 100, 'more than 50 years ahead is the last century');
  const near = String((thisYear + 1) % 100).padStart(2, '0');
  t.equal(new Date(parseHttpDate(`Monday, 01-Jan-${near} 00:00:00 GMT`) as number).getUTCFullYear(), thisYear + 1);
});

t.test('malformed values are ignored (the caller backs off on its own)', async (t) => {
  for (const value of [
    '',
    'soon',
    'Thu, 01 Jan 2026 12:00:30 UTC',
    'Thu, 1 Jan 2026 12:00:30 GMT',
    'Thu, 31 Feb 2026 12:00:30 GMT',
    'Thu, 01 Jan 2026 25:00:00 GMT',
    'Thu, 01 Foo 2026 12:00:00 GMT',
    '2026-01-01T12:00:30Z',
  ]) {
    t.equal(parseRetryAfter(value, now), undefined, JSON.stringify(value));
  }
  t.equal(parseRetryAfter(undefined, now), undefined, 'absent');
});

t.test('the clock defaults to now', async (t) => {
  const delay = parseRetryAfter(new Date(Date.now() + 3_600_000).toUTCString()) as number;
  t.ok(delay > 3_500_000 && delay <= 3_600_000);
});
