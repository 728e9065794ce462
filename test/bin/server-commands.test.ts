// The shipped binary against a running `--daemon --simulate` server on a data directory: groups and accounts commands
// reach it (server.json): a group tested and served through it, its in-memory demo accounts listed, verified, disabled,
// enabled and pinned to a client version; a second server on the same data directory is refused in one line.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {lifecycle, message, oneLine, run, simulateServerSuite, tempDir} from './run.js';

lifecycle('server commands');

describe('a running --simulate server on the data directory: groups and accounts commands reach it', () => {
	const dataDir = join(tempDir(), 'data');
	/** The server, and its admin user's key (requests need one once any user exists). */
	const server = simulateServerSuite(dataDir);

	describe('commands through the running server', {concurrency: true}, () => {
		it('groups create, add, test (a request through the server), then a request for the alias is served', async () => {
			assert.equal((await run(['groups', 'create', 'fast', '--strategy', 'priority', '--data-dir', dataDir])).code, 0);
			assert.equal((await run(['groups', 'add', 'fast', 'claude-sonnet-4-6', '--data-dir', dataDir])).code, 0);
			const tested = await run(['groups', 'test', 'fast', '--data-dir', dataDir]);
			assert.equal(tested.code, 0, tested.stderr);
			assert.match(tested.stdout, /fast: answered by claude-sonnet-4-6/);
			assert.equal((await message(server.daemon.url, server.opsKey, 'fast')).status, 200, 'the group serves requests');
			const none = await run(['groups', 'test', 'nothing', '--data-dir', dataDir]);
			assert.equal(none.code, 1);
			assert.match(oneLine(none), /nothing/);
		});

		it("accounts list (--json), verify, disable, enable: the server's demo accounts (in memory)", async () => {
			const accounts = JSON.parse((await run(['accounts', 'list', '--json', '--data-dir', dataDir])).stdout) as Array<{email: string; enabled: boolean; health?: string}>;
			assert.deepEqual(accounts.map(a => a.email), ['demo@agproxy.local', 'demo2@agproxy.local']);
			assert.ok(accounts.every(a => a.health !== undefined), "the running pool's view");
			assert.match((await run(['accounts', 'list', '--data-dir', dataDir])).stdout, /demo2@agproxy\.local\s+agproxy-demo-project-2/);
			const verified = await run(['accounts', 'verify', '--data-dir', dataDir]);
			assert.equal(verified.code, 0, verified.stdout + verified.stderr);
			assert.match(verified.stdout, /demo@agproxy\.local: ok/);
			assert.equal((await run(['accounts', 'disable', 'demo2@agproxy.local', '--data-dir', dataDir])).code, 0);
			const disabled = JSON.parse((await run(['accounts', 'list', '--json', '--data-dir', dataDir])).stdout) as Array<{email: string; enabled: boolean}>;
			assert.equal(disabled.find(a => a.email === 'demo2@agproxy.local')?.enabled, false);
			assert.equal((await run(['accounts', 'enable', 'demo2@agproxy.local', '--data-dir', dataDir])).code, 0);
			const pinned = await run(['accounts', 'set-client', 'demo@agproxy.local', '9.9.9', '--data-dir', dataDir]);
			assert.equal(pinned.code, 0, pinned.stderr);
			assert.match(pinned.stdout, /demo@agproxy\.local now presents client version 9\.9\.9/);
			assert.match((await run(['accounts', 'set-client', 'demo@agproxy.local', 'default', '--data-dir', dataDir])).stdout, /the clientVersion setting/);
		});

		it('a second server on the same data directory: one line, exit 1, the first keeps serving', async () => {
			const second = await run(['--daemon', '--simulate', '--port', '0', '--data-dir', dataDir]);
			assert.equal(second.code, 1, second.stderr);
			assert.match(oneLine(second), /is running and owns/);
			assert.equal((await message(server.daemon.url, server.opsKey)).status, 200);
		});
	});
});
