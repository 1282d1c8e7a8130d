import t from 'tap';
import { createBearerAuth } from '../../src/receiver/bearer-auth.js';

t.test('without a token every request passes', async (t) => {
  const auth = createBearerAuth();
  t.equal(auth.enabled, false);
  t.ok(auth.check(undefined));
  t.ok(auth.check('Bearer anything'));
});

t.test('with a token only `Bearer <token>` passes; the scheme is case-insensitive', async (t) => {
  const auth = createBearerAuth('s3cret-token');
  t.equal(auth.enabled, true);
  t.ok(auth.check('Bearer s3cret-token'));
  t.ok(auth.check('bearer s3cret-token'));
  t.ok(auth.check('BEARER  s3cret-token '), 'extra spaces around the token');
  for (const wrong of [undefined, '', 'Bearer', 'Bearer ', 's3cret-token', 'Basic s3cret-token', 'Bearer s3cret-token2', 'Bearer s3cret', 'Bearer S3CRET-TOKEN', 'Bearer s3cret-token x']) {
    t.notOk(auth.check(wrong), `refused: ${JSON.stringify(wrong)}`);
  }
  t.notOk(auth.check(['Bearer s3cret-token', 'Bearer s3cret-token']), 'a repeated header is refused');
});

t.test('set() swaps the token and can turn authentication off and on', async (t) => {
  const auth = createBearerAuth('old');
  auth.set('new');
  t.notOk(auth.check('Bearer old'));
  t.ok(auth.check('Bearer new'));
  auth.set(undefined);
  t.equal(auth.enabled, false);
  t.ok(auth.check(undefined));
  auth.set('again');
  t.notOk(auth.check(undefined));
  t.ok(auth.check('Bearer again'));
});
