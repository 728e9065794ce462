// Quotas are fetched as soon as an account becomes usable (added, enabled again, signed in again), not minutes later
// at the next periodic refresh; and per-model state: an account out of quota on one model serves the others, and the
// snapshot says which models are out (with until when) rather than only that the account is "exhausted".
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {limitsJson} from '../../source/accounts/limits-view.js';
import {AccountPool, type PoolEvent} from '../../source/accounts/pool.js';
import type {TokenSource} from '../../source/accounts/types.js';
import {DEFAULT_ACCOUNTS, type SimAccount, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {UpstreamClient} from '../../source/upstream/client.js';
import {FakeClock, FakeTokens, MemoryStore, canned, record} from './fakes.js';

const DEMO = 'demo@agproxy.local';
const DEMO2 = 'demo2@agproxy.local';
const DEMO3 = 'demo3@agproxy.local';
const THIRD: SimAccount = {email: DEMO3, refreshToken: '1//sim-refresh-demo3', project: 'agproxy-demo-project-3', tier: 'standard-tier'};
const OPUS = 'claude-opus-4-6-thinking';
const FLASH = 'gemini-3-flash';

class SimTokens implements TokenSource {
	constructor(private readonly sim: Simulator) {}
	async accessToken(email: string): Promise<string> {
		return this.sim.issueAccessToken(email);
	}
	forget(): void {}
}

async function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

describe('quotas when an account becomes usable', {timeout: 30_000}, () => {
	let sim: Simulator;
	let client: UpstreamClient;
	before(async () => {
		sim = await startSimulator({port: 0, accounts: [...DEFAULT_ACCOUNTS, THIRD]});
		client = new UpstreamClient([sim.url], {connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000});
	});
	after(async () => {
		await client.close();
		await sim.close();
	});

	const fetches = (email: string): number => sim.requests.filter((r) => r.rpc === 'fetchAvailableModels' && r.account === email).length;
	const simRecord = (account: SimAccount, enabled = true) => record(account.email, {refreshToken: account.refreshToken, projectId: account.project, tier: account.tier, enabled});

	it('added, enabled again (through the pool or the store) or signed in again: fetched at once; untouched accounts are not', async () => {
		sim.reset();
		const [first, second] = DEFAULT_ACCOUNTS;
		assert.ok(first && second);
		const store = new MemoryStore([simRecord(first), simRecord(second, false)]);
		// The periodic refresh is an hour away: any fetch below is the reaction to the change.
		const pool = new AccountPool({store, tokens: new SimTokens(sim), client, quotaIntervalMs: 3_600_000});
		const usable: Array<Extract<PoolEvent, {type: 'usable'}>> = [];
		pool.onChange((event) => {
			if (event.type === 'usable') usable.push(event);
		});
		try {
			await pool.start();
			await until(() => fetches(DEMO) === 1, 'the start-up fetch');
			assert.equal(fetches(DEMO2), 0, 'a disabled account is not fetched');
			assert.equal(usable.length, 0, 'the accounts loaded at start are not "became usable" events');

			// Added (e.g. `agproxy accounts add` through the server, which writes the store).
			await store.upsert(simRecord(THIRD));
			store.changed();
			await until(() => fetches(DEMO3) === 1, 'a fetch for the added account');
			await until(() => pool.snapshot().find((a) => a.email === DEMO3)?.quotaFetchedAt !== undefined, 'its quotas in the snapshot');

			// Enabled through the pool (the actions' enable).
			assert.equal(await pool.setEnabled(DEMO2, true), true);
			await until(() => fetches(DEMO2) === 1, 'a fetch for the enabled account');

			// Disabled and enabled again in the store (another process).
			await store.update(DEMO2, {enabled: false});
			store.changed();
			await until(() => pool.snapshot().find((a) => a.email === DEMO2)?.enabled === false, 'disabled');
			await store.update(DEMO2, {enabled: true});
			store.changed();
			await until(() => fetches(DEMO2) === 2, 'a fetch after enabling it again');

			// Invalid, then signed in again (a new refresh token clears it).
			await store.update(DEMO3, {invalid: {reason: 'invalid_grant: revoked', at: new Date().toISOString()}});
			store.changed();
			await until(() => pool.snapshot().find((a) => a.email === DEMO3)?.health === 'invalid', 'invalid');
			await store.update(DEMO3, {invalid: undefined, refreshToken: THIRD.refreshToken});
			store.changed();
			await until(() => fetches(DEMO3) === 2, 'a fetch after signing in again');

			assert.deepEqual(
				usable.map((event) => `${event.email} ${event.why}`),
				[`${DEMO3} added`, `${DEMO2} enabled`, `${DEMO2} enabled`, `${DEMO3} signed in again`],
			);
			await new Promise((resolve) => setTimeout(resolve, 50));
			assert.equal(fetches(DEMO), 1, 'the account that did not change was not fetched again');
		} finally {
			pool.close();
		}
	});
});

describe('per-model state in the snapshot', () => {
	it('an account out of quota on one model serves the others; the snapshot names the model that is out and until when', async () => {
		const clock = new FakeClock();
		const pool = new AccountPool({store: new MemoryStore([record('only@x.test')]), tokens: new FakeTokens(), now: clock.now, sleep: clock.sleep});
		const signal = new AbortController().signal;
		const credential = await pool.acquire(OPUS, 's1', signal);
		pool.report(credential, OPUS, {ok: false, error: canned('quota_exhausted', clock.now(), {resetTime: '2026-05-01T14:13:00Z'})});

		// Other models: served by the same (only) account.
		const flash = await pool.acquire(FLASH, 's2', signal);
		assert.equal(flash.accountId, 'only@x.test');
		pool.report(flash, FLASH, {ok: true});
		await assert.rejects(pool.acquire(OPUS, 's3', signal), (error: {status?: number}) => error.status === 429);

		const [snapshot] = pool.snapshot();
		assert.ok(snapshot);
		assert.deepEqual(snapshot.models[OPUS]?.limit, {kind: 'exhausted', until: Date.parse('2026-05-01T14:13:00Z'), reason: 'QUOTA_EXHAUSTED until reset'});
		assert.equal(snapshot.models[FLASH]?.limit, undefined, 'the served model is not limited');
		const json = limitsJson(pool.snapshot(), {now: clock.now()});
		assert.equal(json.accounts[0]?.models[OPUS]?.state, 'exhausted');
		assert.equal(json.accounts[0]?.models[FLASH]?.state, 'ok');
		pool.close();
	});
});
