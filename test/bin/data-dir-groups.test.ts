// `agproxy groups …` through the shipped binary on a data directory no server runs on: every subcommand and flag.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {type Result, lifecycle, oneLine, run, tempDir} from './run.js';

lifecycle('data-dir groups');

describe('groups on a data directory no server runs on', () => {
	it('groups create, add (--order, --weight, --user), move, strategy, remove, list (--json, --user), delete; test needs a server', async () => {
		const dataDir = join(tempDir(), 'data');
		const groups = (...args: string[]): Promise<Result> => run(['groups', ...args, '--data-dir', dataDir]);
		assert.equal((await run(['users', 'create', 'owner', '--data-dir', dataDir])).code, 0);
		const created = await groups('create', 'fast', '--strategy', 'priority');
		assert.equal(created.code, 0, created.stderr);
		assert.equal((await groups('add', 'fast', 'claude-sonnet-4-6')).code, 0);
		const added = await groups('add', 'fast', 'gemini-3-flash', '--order', '1');
		assert.match(added.stdout, /fast, priority: 1\. gemini-3-flash, 2\. claude-sonnet-4-6/);
		assert.match((await groups('move', 'fast', 'claude-sonnet-4-6', '1')).stdout, /1\. claude-sonnet-4-6, 2\. gemini-3-flash/);
		assert.match((await groups('strategy', 'fast', 'random')).stdout, /fast, random/);
		assert.match((await groups('add', 'fast', 'gemini-2.5-pro', '--weight', '2.5')).stdout, /gemini-2\.5-pro \(weight 2\.5\)/);
		const weighted = await groups('weight', 'fast', 'gemini-2.5-pro', '4');
		assert.equal(weighted.code, 0, weighted.stderr);
		assert.match(weighted.stdout, /gemini-2\.5-pro \(weight 4\)/);
		assert.match((await groups('remove', 'fast', 'gemini-3-flash')).stdout, /Removed gemini-3-flash/);
		const unknown = await groups('add', 'fast', 'no-such-model');
		assert.equal(unknown.code, 2);
		assert.match(oneLine(unknown), /unknown model.*not running/);
		assert.equal((await groups('create', 'mine', '--strategy', 'random', '--user', 'owner')).code, 0);
		assert.match((await groups('add', 'mine', 'gemini-3-flash', '--weight', '3', '--user', 'owner')).stdout, /mine \(user owner\)/);
		const table = await groups('list');
		assert.match(table.stdout, /fast\s+-\s+random/);
		assert.match(table.stdout, /mine\s+owner\s+random/);
		const mine = JSON.parse((await groups('list', '--json', '--user', 'owner')).stdout) as Array<{alias: string; owner?: string}>;
		assert.ok(mine.some(g => g.alias === 'mine' && g.owner === 'owner'));
		const test = await groups('test', 'fast');
		assert.equal(test.code, 1);
		assert.match(oneLine(test), /none is running/);
		assert.equal((await groups('delete', 'mine', '--user', 'owner')).code, 0);
		assert.equal((await groups('delete', 'fast')).code, 0);
		assert.match((await groups('list')).stdout, /No groups yet/);
	});
});
