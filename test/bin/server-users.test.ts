// The shipped binary against a running `--daemon --simulate` server on a data directory: users, groups and accounts
// commands reach it (server.json) and change who its HTTP port accepts; its users and groups outlive a restart (the
// data directory is honoured in simulate mode); a second server on it is refused in one line.
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {keyOf, lifecycle, message, run, startDaemon, simulateServerSuite, tempDir} from './run.js';

lifecycle('server users');

describe('a running --simulate server on the data directory: the CLI reaches it, its data outlives it', () => {
	const dataDir = join(tempDir(), 'data');
	/** The server, and its admin user's key (requests need one once any user exists). */
	const server = simulateServerSuite(dataDir);

	describe('users through the running server', () => {
		it('users create, list --json, rotate, disable, enable: its HTTP port accepts and refuses the keys at once', async () => {
			const alice = await run(['users', 'create', 'alice', '--data-dir', dataDir]);
			assert.equal(alice.code, 0, alice.stderr);
			let key = keyOf(alice.stdout);
			assert.equal((await message(server.daemon.url, key)).status, 200);
			const users = JSON.parse((await run(['users', 'list', '--json', '--data-dir', dataDir])).stdout) as Array<{name: string; admin: boolean; usage: {total: {requests: number}}}>;
			assert.deepEqual(users.find(u => u.name === 'alice')?.admin, false);
			assert.deepEqual(users.find(u => u.name === 'ops')?.admin, true);
			assert.ok((users.find(u => u.name === 'alice')?.usage.total.requests ?? 0) >= 1, 'the server counted her request');
			const rotated = await run(['users', 'rotate', 'alice', '--data-dir', dataDir]);
			assert.equal((await message(server.daemon.url, key)).status, 401, 'the old key stops working at once');
			key = keyOf(rotated.stdout);
			assert.equal((await message(server.daemon.url, key)).status, 200);
			await run(['users', 'disable', 'alice', '--data-dir', dataDir]);
			assert.equal((await message(server.daemon.url, key)).status, 401);
			await run(['users', 'enable', 'alice', '--data-dir', dataDir]);
			assert.equal((await message(server.daemon.url, key)).status, 200);
			assert.equal((await run(['users', 'delete', 'alice', '--data-dir', dataDir])).code, 0);
			assert.equal((await message(server.daemon.url, key)).status, 401);
		});
	});

	it('after a restart the users and groups are still there (the data directory, not the simulator, holds them)', async () => {
		// A group made through the running server, to be found after the restart.
		assert.equal((await run(['groups', 'create', 'fast', '--strategy', 'priority', '--data-dir', dataDir])).code, 0);
		assert.equal((await run(['groups', 'add', 'fast', 'claude-sonnet-4-6', '--data-dir', dataDir])).code, 0);
		assert.equal(await server.daemon.stop(), 143);
		assert.equal(existsSync(join(dataDir, 'server.json')), false, 'server.json goes with the server');
		assert.match((await run(['users', 'list', '--data-dir', dataDir])).stdout, /ops/);
		assert.match((await run(['groups', 'list', '--data-dir', dataDir])).stdout, /fast/);
		server.daemon = await startDaemon(dataDir, ['--simulate']);
		assert.equal((await message(server.daemon.url, server.opsKey, 'fast')).status, 200, 'the key and the group survive a restart');
		assert.equal((await message(server.daemon.url)).status, 401);
	});
});
