// `agproxy users …` through the shipped binary on a data directory no server runs on (the command takes the writer
// lock and opens proxy.db itself): every subcommand and flag, flags before or after the subcommand.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {keyOf, lifecycle, oneLine, run, tempDir} from './run.js';

lifecycle('data-dir users');

describe('users on a data directory no server runs on', () => {
	it('users create (--admin), list (--json), rotate, disable, enable, delete; flags before or after the subcommand', async () => {
		const dataDir = join(tempDir(), 'data');
		const created = await run(['users', 'create', 'alice', '--data-dir', dataDir]);
		assert.equal(created.code, 0, created.stderr);
		const first = keyOf(created.stdout);
		const admin = await run(['--data-dir', dataDir, 'users', 'create', '--admin', 'root']);
		assert.equal(admin.code, 0, admin.stderr);
		assert.match(admin.stdout, /Created admin user root/);
		const table = await run(['users', 'list', '--data-dir', dataDir]);
		assert.match(table.stdout, /^NAME\s+KEY\s+ADMIN/);
		assert.match(table.stdout, /alice\s+sk-agp-\S+…\s+no/);
		assert.doesNotMatch(table.stdout, new RegExp(first), 'never the key');
		type User = {name: string; admin: boolean; disabled: boolean};
		const listed = async (): Promise<User[]> => JSON.parse((await run(['--json', 'users', 'list', '--data-dir', dataDir])).stdout) as User[];
		assert.deepEqual((await listed()).map(u => [u.name, u.admin]), [['alice', false], ['root', true]]);
		const rotated = await run(['users', 'rotate', 'alice', '--data-dir', dataDir]);
		assert.equal(rotated.code, 0);
		assert.notEqual(keyOf(rotated.stdout), first);
		assert.equal((await run(['users', 'disable', 'alice', '--data-dir', dataDir])).code, 0);
		assert.equal((await listed()).find(u => u.name === 'alice')?.disabled, true);
		assert.equal((await run(['users', 'enable', 'alice', '--data-dir', dataDir])).code, 0);
		assert.equal((await listed()).find(u => u.name === 'alice')?.disabled, false);
		const again = await run(['users', 'create', 'alice', '--data-dir', dataDir]);
		assert.equal(again.code, 1);
		assert.match(oneLine(again), /alice/);
		assert.equal((await run(['users', 'delete', 'alice', '--data-dir', dataDir])).code, 0);
		assert.deepEqual((await listed()).map(u => u.name), ['root']);
		const gone = await run(['users', 'rotate', 'alice', '--data-dir', dataDir]);
		assert.equal(gone.code, 1);
		assert.match(oneLine(gone), /alice/);
	});
});
