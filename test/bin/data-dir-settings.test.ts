// `agproxy settings …` through the shipped binary: list, get, set, unset and bad keys and values.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {type Result, lifecycle, oneLine, run, tempDir} from './run.js';

lifecycle('data-dir settings');

describe('settings on a data directory', () => {
	it('settings list, set, get, unset (what the next start uses)', async () => {
		const dataDir = join(tempDir(), 'data');
		const settings = (...args: string[]): Promise<Result> => run(['settings', ...args, '--data-dir', dataDir]);
		assert.match((await settings()).stdout, /^port\s+-/m);
		assert.match((await settings('set', 'port', '9123')).stdout, /port = 9123/);
		assert.equal((await settings('set', 'strategy', 'round-robin')).code, 0);
		assert.equal((await settings('get', 'port')).stdout, '9123\n');
		assert.match((await settings('list')).stdout, /^strategy\s+round-robin/m);
		const bad = await settings('set', 'strategy', 'fastest');
		assert.equal(bad.code, 2);
		assert.match(oneLine(bad), /invalid strategy 'fastest'/);
		assert.equal((await settings('unset', 'port')).code, 0);
		assert.equal((await settings('get', 'port')).stdout, '\n');
		assert.equal((await settings('unset', 'strategy')).code, 0);
	});
});
