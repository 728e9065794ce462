// The shipped binary against a running `--daemon --simulate` server on a data directory: users, groups and accounts
// commands reach it (server.json) and change who its HTTP port accepts; its users and groups outlive a restart (the
// data directory is honoured in simulate mode); a second server on it is refused in one line.
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {type Daemon, keyOf, lifecycle, message, oneLine, run, startDaemon, tempDir} from './run.js';

lifecycle('server users');

describe('a running --simulate server on the data directory: the CLI reaches it, its data outlives it', () => {
	const dataDir = join(tempDir(), 'data');
	let daemon: Daemon;
	/** The admin user's key: requests need one once any user exists. */
	let opsKey = '';

	before(async () => {
		daemon = await startDaemon(dataDir, ['--simulate', '--strategy', 'round-robin', '--model-map', 'my-model=gemini-3-flash', '--host', '127.0.0.1']);
		const banner = daemon.lines.map(line => JSON.parse(line) as {message?: string}).find(l => l.message?.startsWith('agproxy listening'));
		assert.match(banner?.message ?? '', new RegExp(`demo accounts in memory; users, groups and usage in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
		assert.equal((await message(daemon.url)).status, 200, 'open while no user exists');
		assert.equal((await message(daemon.url, undefined, 'my-model')).status, 200, '--model-map applies');
		const ops = await run(['users', 'create', 'ops', '--admin', '--data-dir', dataDir]);
		assert.equal(ops.code, 0, ops.stderr);
		opsKey = keyOf(ops.stdout);
		assert.equal((await message(daemon.url)).status, 401, 'a user exists: keys are required at once');
	});
	after(async () => {
		await daemon.stop();
	});

	describe('users through the running server', () => {
		it('users create, list --json, rotate, disable, enable: its HTTP port accepts and refuses the keys at once', async () => {
			const alice = await run(['users', 'create', 'alice', '--data-dir', dataDir]);
			assert.equal(alice.code, 0, alice.stderr);
			let key = keyOf(alice.stdout);
			assert.equal((await message(daemon.url, key)).status, 200);
			const users = JSON.parse((await run(['users', 'list', '--json', '--data-dir', dataDir])).stdout) as Array<{name: string; admin: boolean; usage: {total: {requests: number}}}>;
			assert.deepEqual(users.find(u => u.name === 'alice')?.admin, false);
			assert.deepEqual(users.find(u => u.name === 'ops')?.admin, true);
			assert.ok((users.find(u => u.name === 'alice')?.usage.total.requests ?? 0) >= 1, 'the server counted her request');
			const rotated = await run(['users', 'rotate', 'alice', '--data-dir', dataDir]);
			assert.equal((await message(daemon.url, key)).status, 401, 'the old key stops working at once');
			key = keyOf(rotated.stdout);
			assert.equal((await message(daemon.url, key)).status, 200);
			await run(['users', 'disable', 'alice', '--data-dir', dataDir]);
			assert.equal((await message(daemon.url, key)).status, 401);
			await run(['users', 'enable', 'alice', '--data-dir', dataDir]);
			assert.equal((await message(daemon.url, key)).status, 200);
			assert.equal((await run(['users', 'delete', 'alice', '--data-dir', dataDir])).code, 0);
			assert.equal((await message(daemon.url, key)).status, 401);
		});
	});

	it('after a restart the users and groups are still there (the data directory, not the simulator, holds them)', async () => {
		// A group made through the running server, to be found after the restart.
		assert.equal((await run(['groups', 'create', 'fast', '--strategy', 'priority', '--data-dir', dataDir])).code, 0);
		assert.equal((await run(['groups', 'add', 'fast', 'claude-sonnet-4-6', '--data-dir', dataDir])).code, 0);
		assert.equal(await daemon.stop(), 143);
		assert.equal(existsSync(join(dataDir, 'server.json')), false, 'server.json goes with the server');
		assert.match((await run(['users', 'list', '--data-dir', dataDir])).stdout, /ops/);
		assert.match((await run(['groups', 'list', '--data-dir', dataDir])).stdout, /fast/);
		daemon = await startDaemon(dataDir, ['--simulate']);
		assert.equal((await message(daemon.url, opsKey, 'fast')).status, 200, 'the key and the group survive a restart');
		assert.equal((await message(daemon.url)).status, 401);
	});
});
