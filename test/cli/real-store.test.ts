// The CLI on the real storage layer (no injected dependencies): the writer lock, proxy.db through sql.js, saved and
// read again by the next command, as separate `agproxy users|groups` invocations would.
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';
import {runGroups} from '../../source/cli/groups.js';
import {runUsers} from '../../source/cli/users.js';
import {capture, lines, tempDataDir} from './harness.js';

const {dataDir, remove} = tempDataDir();
after(remove);

async function run(command: (io: ReturnType<typeof capture>['io']) => Promise<number>): Promise<{code: number; stdout: string; stderr: string}> {
	const {io, out, err} = capture();
	const code = await command(io);
	return {code, stdout: out(), stderr: err()};
}

describe('CLI on the real data directory', () => {
	test('users and groups survive between commands; the lock is free afterwards', async () => {
		const created = await run(io => runUsers(['create', 'alice'], {}, io, {dataDir}));
		assert.equal(created.code, 0, created.stderr);
		assert.ok(existsSync(join(dataDir, 'proxy.db')));
		assert.ok(!existsSync(join(dataDir, 'agproxy.lock')), 'the lock is released');
		assert.equal((await run(io => runGroups(['create', 'fast'], {strategy: 'priority', user: 'alice'}, io, {dataDir}))).code, 0);
		assert.equal((await run(io => runGroups(['add', 'fast', 'gemini-3-flash'], {user: 'alice'}, io, {dataDir}))).code, 0);
		const unknown = await run(io => runGroups(['add', 'fast', 'gpt-5'], {user: 'alice'}, io, {dataDir}));
		assert.equal(unknown.code, 2);
		assert.match(unknown.stderr, /built-in model list/);

		const listed = await run(io => runUsers(['list'], {json: true}, io, {dataDir}));
		assert.deepEqual(
			(JSON.parse(listed.stdout) as Array<{name: string}>).map(u => u.name),
			['alice'],
		);
		const groups = await run(io => runGroups(['list'], {}, io, {dataDir}));
		assert.deepEqual(lines(groups.stdout).slice(1), ['fast   alice  priority  1. gemini-3-flash']);
		assert.equal((await run(io => runUsers(['delete', 'alice'], {}, io, {dataDir}))).code, 0);
		assert.match((await run(io => runGroups(['list'], {}, io, {dataDir}))).stdout, /^No groups yet/);
	});
});
