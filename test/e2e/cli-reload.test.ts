/**
 * Hot reload of the built binary: SIGHUP and a change of the --config file swap the tags without
 * a restart; a broken file is refused and the running configuration stays.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildRequest } from '../helpers/build-request.js';
import { startService } from '../helpers/cli-process.js';
import { waitForItem } from '../helpers/decoded.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

const config = (env: string): string => `
processors:
  agent_tags:
    tags: env=${env}
    collision: override
`;

t.test('SIGHUP and file changes reload the tags; a bad file is refused', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const file = path.join(t.testdir({}), 'config.yaml');
  writeFileSync(file, config('one'));
  const { cli, http } = await startService(t, ['--config', file, '--upstream', upstream.url]);
  const send = async (name: string): Promise<string | undefined> => {
    const body = buildRequest('traces', { items: [name] });
    const response = await fetch(`http://${http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    t.equal(response.status, 200, `${name} accepted`);
    return (await waitForItem(upstream.requests, 'traces', name))?.attributes.env;
  };

  t.equal(await send('first'), 'one');
  /** Waits for a stderr line matching `re` that comes after the `from`th line. */
  const newLine = async (from: number, re: RegExp): Promise<void> => {
    for (let i = 0; i < 500; i++) {
      if (cli.stderr.slice(from).some((line) => re.test(line))) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ${re} after line ${from}`);
  };

  let mark = cli.stderr.length;
  writeFileSync(file, config('two'));
  cli.child.kill('SIGHUP');
  await newLine(mark, /^(?=.*configuration reloaded)(?=.*"trigger":"SIGHUP")/);
  t.equal(await send('after-sighup'), 'two', 'SIGHUP applied the new tags');

  mark = cli.stderr.length;
  writeFileSync(file, 'processors: [not, a, map');
  cli.child.kill('SIGHUP');
  await newLine(mark, /^(?=.*configuration reload rejected)(?=.*"trigger":"SIGHUP")/);
  t.equal(await send('after-bad-file'), 'two', 'a broken file leaves the running tags');

  // Let the watcher's debounced reaction to the broken file pass first.
  await new Promise((resolve) => setTimeout(resolve, 400));
  mark = cli.stderr.length;
  writeFileSync(file, config('three'));
  await newLine(mark, /^(?=.*configuration reloaded)(?=.*"trigger":"file change")/);
  t.equal(await send('after-edit'), 'three', 'editing the file reloads it');

  cli.child.kill('SIGTERM');
  t.equal(await cli.exit, 0, 'SIGTERM: drained and exited 0');
});
