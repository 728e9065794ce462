// `agproxy accounts …` through both targets against the simulator: add (--refresh-token) stores the account where
// the data lives (the running server's store, or the data directory), list never shows a refresh token,
// disable/enable/remove, and verify (run by the server when one runs, here otherwise).
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {after, describe, test} from 'node:test';
import {loadOAuthConfig} from '../../source/accounts/oauth.js';
import {TokenManager} from '../../source/accounts/tokens.js';
import {createAccountVerifier} from '../../source/actions/verify.js';
import {type AccountsFlags, runAccounts} from '../../source/cli/accounts.js';
import {loadConfig} from '../../source/config.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {DEFAULT_ACCOUNTS, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {UpstreamClient} from '../../source/upstream/client.js';
import {SERVED} from '../admin/helpers.js';
import {MODES, type Mode, harness, lines} from './harness.js';

const DEMO = 'demo@agproxy.local';
const DEMO2 = 'demo2@agproxy.local';

const cleanup: Array<() => unknown> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});

async function open(mode: Mode): Promise<{s: Simulator; store: MemoryDataStore; opened: () => number; run: (args: string[], flags?: AccountsFlags) => Promise<{code: number; stdout: string; stderr: string}>}> {
	const s = await startSimulator({accounts: [...DEFAULT_ACCOUNTS]});
	cleanup.push(() => s.close());
	const env = {AGPROXY_OAUTH_AUTH_URL: s.oauth.authUrl, AGPROXY_OAUTH_TOKEN_URL: s.oauth.tokenUrl, AGPROXY_USERINFO_URL: s.oauth.userinfoUrl};
	const config = loadConfig({upstream: s.url}, {});
	// The server verifies with its own upstream client over its own store.
	const serverClient = new UpstreamClient(config.upstreams, config.timeouts);
	cleanup.push(() => serverClient.close());
	const store = new MemoryDataStore();
	const h = await harness(
		mode,
		{
			verifyAccounts: createAccountVerifier({
				store: store.accounts,
				tokens: new TokenManager(store.accounts, loadOAuthConfig(env)),
				client: serverClient,
				discovery: {pollIntervalMs: 1},
			}),
		},
		SERVED,
		store,
	);
	cleanup.push(h.close);
	const run = async (args: string[], flags: AccountsFlags = {}): Promise<{code: number; stdout: string; stderr: string}> => {
		let stdout = '';
		let stderr = '';
		const code = await runAccounts(
			args,
			flags,
			{stdout: {write: (t: string) => (stdout += t)}, stderr: {write: (t: string) => (stderr += t)}, stdin: new PassThrough(), env},
			{dataDir: h.dataDir, config, discovery: {pollIntervalMs: 1}, loginTimeoutMs: 10_000, openBrowser: async () => assert.fail('tests never open a browser'), target: h.target},
		);
		return {code, stdout, stderr};
	};
	return {s, store, opened: h.opened, run};
}

for (const mode of MODES) {
	describe(`agproxy accounts (${mode})`, () => {
		test('add --refresh-token, list, disable/enable, verify, remove', async () => {
			const {s, store, opened, run} = await open(mode);
			const added = await run(['add'], {refreshToken: '1//sim-refresh-demo'});
			assert.deepEqual(added, {code: 0, stdout: `Added ${DEMO} (project agproxy-demo-project, tier free-tier).\n`, stderr: ''});
			assert.equal((await store.accounts.get(DEMO))?.refreshToken, '1//sim-refresh-demo', 'stored where the data lives');
			assert.equal((await run(['add'], {refreshToken: '1//sim-refresh-demo2', email: DEMO2})).code, 0);
			assert.match((await run(['add'], {refreshToken: '1//sim-refresh-demo'})).stdout, /^Updated demo@agproxy\.local/);

			const table = await run(['list']);
			assert.deepEqual(lines(table.stdout), [
				'EMAIL                PROJECT                 TIER       ENABLED  STATUS',
				'demo@agproxy.local   agproxy-demo-project    free-tier  yes      ok',
				'demo2@agproxy.local  agproxy-demo-project-2  free-tier  yes      ok',
			]);
			const json = await run(['list'], {json: true});
			const parsed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
			assert.deepEqual(
				parsed.map(r => [r['email'], r['projectId'], r['tier'], r['enabled'], r['invalid']]),
				[
					[DEMO, 'agproxy-demo-project', 'free-tier', true, null],
					[DEMO2, 'agproxy-demo-project-2', 'free-tier', true, null],
				],
			);
			assert.doesNotMatch(json.stdout + table.stdout, /sim-refresh|refreshToken/);

			assert.deepEqual(await run(['disable', DEMO2]), {code: 0, stdout: `Disabled ${DEMO2}.\n`, stderr: ''});
			assert.equal((await store.accounts.get(DEMO2))?.enabled, false);
			assert.deepEqual(await run(['enable', 'DEMO2@agproxy.local']), {code: 0, stdout: `Enabled ${DEMO2}.\n`, stderr: ''});
			const missing = await run(['disable', 'nobody@example.com']);
			assert.deepEqual([missing.code, missing.stderr], [1, 'agproxy: no stored account nobody@example.com (see agproxy accounts list)\n']);

			s.updateAccount(DEMO2, {refreshToken: '1//replaced-elsewhere'});
			const verify = await run(['verify']);
			assert.equal(verify.code, 1);
			const verdicts = lines(verify.stdout);
			assert.match(verdicts[0] ?? '', /^demo@agproxy\.local: ok \(project agproxy-demo-project, tier free-tier, \d+ models, client \d+(\.\d+)+\)$/);
			assert.equal(verdicts[1], `${DEMO2}: invalid: Token has been expired or revoked.`);
			assert.equal((await store.accounts.get(DEMO2))?.invalid?.reason, 'Token has been expired or revoked.');

			assert.deepEqual(await run(['remove', DEMO2]), {code: 0, stdout: `Removed ${DEMO2}.\n`, stderr: ''});
			assert.equal((await run(['remove', DEMO2])).code, 1);
			assert.deepEqual(
				(await store.accounts.list()).map(r => r.email),
				[DEMO],
			);
			if (mode === 'server') assert.equal(opened(), 0, 'with a server running, nothing opens the store locally');
		});

		test('a revoked refresh token: exit 1, one line, nothing stored', async () => {
			const {store, run} = await open(mode);
			const dead = await run(['add'], {refreshToken: '1//dead-token'});
			assert.equal(dead.code, 1);
			assert.equal(lines(dead.stderr).length, 1);
			assert.match(dead.stderr, /expired or revoked/);
			assert.doesNotMatch(dead.stderr, /dead-token/);
			assert.deepEqual(await store.accounts.list(), []);
			assert.match((await run(['list'])).stdout, /No accounts yet/);
		});
	});
}
