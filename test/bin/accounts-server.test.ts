// `agproxy accounts add` through the shipped binary while a real (not simulated) agproxy runs with --upstream at
// `agproxy simulator`: the account goes through the server's admin API and its pool serves with it at once.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {lifecycle, message, simulatorSuite, startDaemon, tempDir} from './run.js';

lifecycle('accounts through a server');

describe('accounts through a real server against the simulator binary', () => {
	const simulator = simulatorSuite();
	const {accountsOn} = simulator;

	it('a real (not simulated) server with --upstream at the simulator: accounts add goes through it and its pool serves at once', async () => {
		const dataDir = join(tempDir(), 'data');
		const accounts = accountsOn(dataDir);
		const daemon = await startDaemon(dataDir, ['--upstream', simulator.sim.url], simulator.sim.env);
		try {
			assert.equal((await message(daemon.url)).status, 503, 'no account yet');
			const through = await accounts('add', '--refresh-token', '1//sim-refresh-demo2');
			assert.equal(through.code, 0, through.stderr);
			assert.match(through.stdout, /^Added demo2@agproxy\.local/);
			assert.equal((await message(daemon.url)).status, 200, 'served by the account just added');
			const again = await accounts('add', '--refresh-token', '1//sim-refresh-demo2', '--email', 'Demo2@agproxy.local');
			assert.match(again.stdout, /^Updated demo2@agproxy\.local/);
			const pool = JSON.parse((await accounts('list', '--json')).stdout) as Array<{email: string; health?: string}>;
			assert.deepEqual(pool.map(a => [a.email, a.health]), [['demo2@agproxy.local', 'active']]);
		} finally {
			assert.equal(await daemon.stop(), 143);
		}
	});
});
