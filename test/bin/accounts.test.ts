// `agproxy accounts …` through the shipped binary against `agproxy simulator` (its OAuth token and userinfo endpoints
// via AGPROXY_OAUTH_TOKEN_URL / AGPROXY_USERINFO_URL, its Cloud Code API via --upstream), no server running: the e-mail
// comes from Google, the same account is merged, --email is only a check; list, verify, disable, enable, remove.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {lifecycle, oneLine, simulatorSuite, tempDir} from './run.js';

lifecycle('accounts');

describe('accounts against the simulator binary, no server', () => {
	const {accountsOn} = simulatorSuite();

	it('no server: add --refresh-token takes the e-mail from Google, merges the same account, checks --email; list, verify, disable, enable, remove', async () => {
		const accounts = accountsOn(join(tempDir(), 'data'));
		const list = async (): Promise<Array<{email: string; enabled: boolean; projectId: string | null}>> => JSON.parse((await accounts('list', '--json')).stdout) as never;

		const added = await accounts('add', '--refresh-token', '1//sim-refresh-demo');
		assert.equal(added.code, 0, added.stderr);
		assert.match(added.stdout, /^Added demo@agproxy\.local \(project agproxy-demo-project, tier free-tier\)/);
		// The same Google account under another spelling: updated, not added twice.
		const again = await accounts('add', '--refresh-token', '1//sim-refresh-demo', '--email', 'DEMO@agproxy.local');
		assert.equal(again.code, 0, again.stderr);
		assert.match(again.stdout, /^Updated demo@agproxy\.local .*already stored.*no second account/);
		const wrong = await accounts('add', '--refresh-token', '1//sim-refresh-demo', '--email', 'someone@example.com');
		assert.equal(wrong.code, 1);
		assert.match(oneLine(wrong), /belongs to demo@agproxy\.local, not someone@example\.com/);
		assert.deepEqual((await list()).map(a => a.email), ['demo@agproxy.local']);
		const dead = await accounts('add', '--refresh-token', '1//dead');
		assert.equal(dead.code, 1);
		assert.match(oneLine(dead), /refresh token/);
		assert.doesNotMatch(dead.stderr + dead.stdout, /1\/\/dead/, 'never prints a token');

		assert.equal((await accounts('add', '--refresh-token', '1//sim-refresh-demo2', '--email', 'demo2@agproxy.local')).code, 0);
		assert.match((await accounts('list')).stdout, /demo2@agproxy\.local\s+agproxy-demo-project-2\s+free-tier\s+yes\s+ok/);
		const verified = await accounts('verify');
		assert.equal(verified.code, 0, verified.stdout + verified.stderr);
		assert.match(verified.stdout, /demo2@agproxy\.local: ok/);
		assert.equal((await accounts('disable', 'demo2@agproxy.local')).code, 0);
		assert.equal((await list()).find(a => a.email === 'demo2@agproxy.local')?.enabled, false);
		assert.equal((await accounts('enable', 'demo2@agproxy.local')).code, 0);
		assert.match((await accounts('remove', 'demo2@agproxy.local')).stdout, /Removed demo2@agproxy\.local/);
		const missing = await accounts('remove', 'demo2@agproxy.local');
		assert.equal(missing.code, 1);
		assert.match(oneLine(missing), /no stored account/);
		assert.doesNotMatch(JSON.stringify(await list()), /sim-refresh/);
	});
});
