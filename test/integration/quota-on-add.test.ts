// Through the running app (the same actions the CLI, the admin API and the dashboard call): an account added or
// enabled again has its quotas fetched at once, shown by GET /account-limits, with the periodic refresh an hour away.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {loadOAuthConfig} from '../../source/accounts/oauth.js';
import type {LimitsJson} from '../../source/accounts/limits-view.js';
import {setEnabled, upsert} from '../../source/actions/accounts.js';
import {type App, startApp} from '../../source/app.js';
import {loadConfig} from '../../source/config.js';
import {type SimAccount, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {openDataStore} from '../../source/store/index.js';

const A: SimAccount = {email: 'a@quota-add.test', refreshToken: '1//refresh-quota-add-a', project: 'project-quota-add-a', tier: 'free-tier'};
const B: SimAccount = {email: 'b@quota-add.test', refreshToken: '1//refresh-quota-add-b', project: 'project-quota-add-b', tier: 'free-tier'};

let sim: Simulator;
let app: App;
let root: string;

const fetches = (email: string): number => sim.requests.filter((r) => r.rpc === 'fetchAvailableModels' && r.account === email).length;

async function fetchedAt(email: string): Promise<string | null | undefined> {
	const limits = (await (await fetch(`${app.url}/account-limits`)).json()) as LimitsJson;
	return limits.accounts.find((account) => account.email === email)?.quotaFetchedAt;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 3000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await condition())) {
		if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

before(async () => {
	sim = await startSimulator({port: 0, accounts: [A, B]});
	root = mkdtempSync(join(tmpdir(), 'agproxy-quota-add-'));
	const dataDir = join(root, 'data');
	const seed = await openDataStore(dataDir);
	await seed.accounts.upsert({email: A.email, refreshToken: A.refreshToken, projectId: A.project ?? '', tier: 'free-tier', enabled: true, addedAt: new Date().toISOString()});
	seed.close();
	const config = loadConfig({port: 0, upstream: sim.url, dataDir}, {AGPROXY_QUOTA_REFRESH_MS: '3600000'});
	app = await startApp(config, {oauth: {...loadOAuthConfig({}), tokenUrl: sim.oauth.tokenUrl, userinfoUrl: sim.oauth.userinfoUrl, authUrl: sim.oauth.authUrl}});
});
after(async () => {
	await app.stop();
	await sim.close();
	rmSync(root, {recursive: true, force: true});
});

describe('quotas of a new or re-enabled account', () => {
	it('are fetched at once, not at the next periodic refresh', async () => {
		await until(() => fetches(A.email) === 1, 'the start-up fetch');
		await upsert(app.actions, {email: B.email, refreshToken: B.refreshToken, projectId: B.project ?? '', tier: 'free-tier', enabled: true, addedAt: new Date().toISOString()});
		await until(async () => typeof (await fetchedAt(B.email)) === 'string', 'quotas of the added account in /account-limits');
		assert.equal(fetches(B.email), 1);

		await setEnabled(app.actions, B.email, false);
		await setEnabled(app.actions, B.email, true);
		await until(() => fetches(B.email) === 2, 'a fetch after enabling it again');
		assert.equal(fetches(A.email), 1, 'the unchanged account is not fetched again');
	});
});
