import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {AccountPool} from '../../source/accounts/pool.js';
import {type AvailableModels, QuotaRefresher, isInternalModelId, parseAvailableModels} from '../../source/accounts/quota.js';
import type {TokenSource} from '../../source/accounts/types.js';
import {DEFAULT_ACCOUNTS, DEFAULT_MODELS, type SimAccount, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {UpstreamClient} from '../../source/upstream/client.js';
import {FakeClock, MemoryStore, T0, canned, record} from './fakes.js';

const OPUS = 'claude-opus-4-6-thinking';
const DEMO = 'demo@agproxy.local';
const DEMO2 = 'demo2@agproxy.local';
const DEMO3 = 'demo3@agproxy.local';
const RESET = '2026-05-01T14:00:00Z';
const THIRD: SimAccount = {email: DEMO3, refreshToken: '1//sim-refresh-demo3', project: 'agproxy-demo-project-3', tier: 'standard-tier'};

/** Access tokens minted by the simulator itself; counts forced refreshes. */
class SimTokens implements TokenSource {
	readonly forced: string[] = [];
	constructor(private readonly sim: Simulator) {}
	async accessToken(email: string, options: {force?: boolean} = {}): Promise<string> {
		if (options.force === true) this.forced.push(email);
		return this.sim.issueAccessToken(email);
	}
	forget(): void {}
}

describe('parseAvailableModels', () => {
	it('reads quotas, treats a reset without a fraction as 0 and drops internal ids', () => {
		const parsed = parseAvailableModels({
			models: {
				'gemini-3-pro-high': {displayName: 'Gemini 3 Pro (High)', maxTokens: 1048576, maxOutputTokens: 65535, quotaInfo: {remainingFraction: 0.85, resetTime: '2026-02-25T07:00:00Z'}},
				'claude-opus-4-5-thinking': {displayName: 'Claude Opus 4.5 (Thinking)', quotaInfo: {resetTime: '2026-02-26T00:00:00Z'}},
				'claude-sonnet-4-5': {displayName: 'Claude Sonnet 4.5', quotaInfo: {}},
				'gpt-oss-120b-medium': {displayName: 'GPT-OSS 120B', quotaInfo: {remainingFraction: 1.7, resetTime: 'not a date'}},
				'no-name': {quotaInfo: {remainingFraction: 0.5}},
				chat_20706: {},
				tab_flash_lite_preview: {displayName: 'x'},
				'rev19-uic3-1p': {displayName: 'computer use'},
				empty: {},
				broken: 'x',
			},
			webSearchModelIds: ['gemini-2.5-flash'],
		});
		assert.deepEqual(parsed?.models, [
			{id: 'claude-opus-4-5-thinking', displayName: 'Claude Opus 4.5 (Thinking)'},
			{id: 'claude-sonnet-4-5', displayName: 'Claude Sonnet 4.5'},
			{id: 'gemini-3-pro-high', displayName: 'Gemini 3 Pro (High)', maxTokens: 1048576, maxOutputTokens: 65535},
			{id: 'gpt-oss-120b-medium', displayName: 'GPT-OSS 120B'},
			{id: 'no-name', displayName: 'no-name'},
		]);
		assert.deepEqual(parsed?.quotas, {
			'gemini-3-pro-high': {remainingFraction: 0.85, resetTime: '2026-02-25T07:00:00Z'},
			'claude-opus-4-5-thinking': {remainingFraction: 0, resetTime: '2026-02-26T00:00:00Z'},
			'claude-sonnet-4-5': {},
			'gpt-oss-120b-medium': {remainingFraction: 1},
			'no-name': {remainingFraction: 0.5},
		});
	});

	it('rejects answers without a models object', () => {
		assert.equal(parseAvailableModels(undefined), undefined);
		assert.equal(parseAvailableModels({models: []}), undefined);
		assert.equal(parseAvailableModels('x'), undefined);
		assert.deepEqual(parseAvailableModels({models: {}}), {models: [], quotas: {}});
	});

	it('knows the internal ids', () => {
		for (const id of ['chat_20706', 'chat_23310', 'tab_flash_lite_preview', 'tab_jump_flash_lite_preview', 'rev19-uic3-1p']) assert.equal(isInternalModelId(id), true, id);
		for (const id of ['gemini-3-flash', 'claude-sonnet-4-6', 'gemini-2.5-pro']) assert.equal(isInternalModelId(id), false, id);
	});
});

describe('QuotaRefresher against the simulator', {timeout: 20_000}, () => {
	let sim: Simulator;
	let client: UpstreamClient;
	const clock = new FakeClock();

	before(async () => {
		sim = await startSimulator({port: 0, now: clock.now, accounts: [...DEFAULT_ACCOUNTS, THIRD]});
		client = new UpstreamClient([sim.url], {connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000}, clock.now);
	});
	after(async () => {
		await client.close();
		await sim.close();
	});

	function setup() {
		sim.reset();
		clock.t = T0;
		sim.updateAccount(DEMO, {quotas: {[OPUS]: {remainingFraction: 0, resetTime: RESET}, 'gemini-3-flash': {remainingFraction: 0.03, resetTime: '2026-05-01T13:00:00Z'}}});
		sim.updateAccount(DEMO2, {quotas: {'gemini-3-flash': {remainingFraction: 0.42, resetTime: '2026-05-01T13:00:00Z'}}});
		const store = new MemoryStore(
			[...DEFAULT_ACCOUNTS, THIRD].map((account) => record(account.email, {refreshToken: account.refreshToken, projectId: account.project, tier: account.tier})),
		);
		const tokens = new SimTokens(sim);
		const pool = new AccountPool({store, tokens, client, now: clock.now, sleep: clock.sleep});
		return {store, tokens, pool};
	}

	const fetches = (email?: string) => sim.requests.filter((r) => r.rpc === 'fetchAvailableModels' && (email === undefined || r.account === email));

	it('fetches every account with its project, stores quotas and marks a model at 0 exhausted until its reset', async () => {
		const {pool} = setup();
		await pool.loaded();
		const results = await pool.quota?.refresh();
		assert.deepEqual(results, [
			{email: DEMO, ok: true},
			{email: DEMO2, ok: true},
			{email: DEMO3, ok: true},
		]);
		assert.deepEqual(
			fetches().map((r) => r.body),
			[{project: 'agproxy-demo-project'}, {project: 'agproxy-demo-project-2'}, {project: 'agproxy-demo-project-3'}],
		);
		const [demo, demo2, demo3] = pool.snapshot();
		assert.deepEqual(demo?.models[OPUS]?.quota, {remainingFraction: 0, resetTime: RESET});
		assert.equal(demo?.models[OPUS]?.limit?.kind, 'exhausted');
		assert.equal(demo?.models[OPUS]?.limit?.until, Date.parse(RESET));
		assert.equal(demo?.health, 'exhausted');
		assert.equal(demo?.quotaFetchedAt, T0);
		assert.equal(demo2?.models['gemini-3-flash']?.quota?.remainingFraction, 0.42);
		assert.equal(demo2?.health, 'active');
		assert.equal(demo3?.models[OPUS]?.quota?.remainingFraction, 1);

		const models = pool.availableModels();
		assert.deepEqual(
			models?.models.map((m) => m.id),
			DEFAULT_MODELS.map((m) => m.id).sort((a, b) => a.localeCompare(b)),
		);
		assert.ok(models?.models.every((m) => !m.id.startsWith('chat_') && !m.id.startsWith('tab_')));
		assert.equal(models?.models.find((m) => m.id === OPUS)?.displayName, 'Claude Opus 4.6 (Thinking)');

		// The exhausted account is skipped for that model, used for others.
		for (let i = 0; i < 4; i++) assert.notEqual((await pool.acquire(OPUS, `s${i}`, new AbortController().signal)).accountId, DEMO);
		pool.close();
	});

	it('a banned account is marked invalid; a 401 is retried once with a forced token', async () => {
		const {pool, tokens, store} = setup();
		await pool.loaded();
		sim.updateAccount(DEMO3, {banned: true});
		sim.enqueue({match: {account: DEMO2, method: 'fetchAvailableModels'}, script: {kind: 'http_error', error: 'unauthenticated_401'}});
		const results = await pool.quota?.refresh();
		assert.equal(results?.[1]?.ok, true);
		assert.deepEqual(tokens.forced, [DEMO2]);
		assert.equal(results?.[2]?.ok, false);
		assert.match(results?.[2]?.error ?? '', /403/);
		const demo3 = pool.snapshot()[2];
		assert.equal(demo3?.health, 'invalid');
		assert.match(demo3?.invalidReason ?? '', /Terms of Service/);
		assert.equal(store.updates.at(-1)?.email, DEMO3);
		// Invalid accounts are not fetched any more.
		const before = fetches(DEMO3).length;
		await pool.quota?.refresh();
		assert.equal(fetches(DEMO3).length, before);
		assert.deepEqual(await pool.quota?.refresh(DEMO3), [{email: DEMO3, ok: false, error: 'no such usable account'}]);
		pool.close();
	});

	it('runs on a timer and shortly after a 429 (debounced, one pending per account); stop() cancels', async () => {
		const {store, tokens} = setup();
		const pool = new AccountPool({store, tokens, now: clock.now, sleep: clock.sleep});
		await pool.loaded();
		const timers: Array<{fn: () => void; ms: number; cancelled: boolean}> = [];
		const schedule = (fn: () => void, ms: number): (() => void) => {
			const timer = {fn, ms, cancelled: false};
			timers.push(timer);
			return () => {
				timer.cancelled = true;
			};
		};
		const refresher = new QuotaRefresher({pool, tokens, client, now: clock.now, schedule, intervalMs: 300_000, debounceMs: 10_000, minSpacingMs: 30_000});
		const seen: AvailableModels[] = [];
		refresher.onModels((models) => seen.push(models));
		await refresher.start();
		assert.equal(fetches().length, 3);
		assert.equal(seen.length, 1, 'the model list changed once');
		assert.deepEqual(
			timers.map((t) => t.ms),
			[300_000],
		);

		// A 429 on demo2: one refresh of demo2, debounced; a second 429 meanwhile adds nothing.
		clock.advance(60_000);
		for (let i = 0; i < 2; i++) {
			const credential = await pool.acquire('gemini-3-flash', 'x', new AbortController().signal);
			assert.equal(credential.accountId, DEMO2);
			pool.report(credential, 'gemini-3-flash', {ok: false, error: canned('rate_limit', clock.now(), {retryDelaySec: 1})});
		}
		assert.deepEqual(
			timers.map((t) => t.ms),
			[300_000, 10_000],
		);
		timers[1]?.fn();
		await new Promise((resolve) => setTimeout(resolve, 50));
		for (let i = 0; i < 20 && fetches(DEMO2).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
		assert.equal(fetches(DEMO2).length, 2);
		assert.equal(fetches().length, 4);

		// Right after that fetch, the next 429 waits for the 30 s spacing (less the 1.25 s this acquire waited out
		// demo2's short limit on the fake clock).
		const credential = await pool.acquire('gemini-3-flash', 'x', new AbortController().signal);
		assert.deepEqual(clock.sleeps.slice(-2), [1_250, 1_250]);
		pool.report(credential, 'gemini-3-flash', {ok: false, error: canned('bare_429', clock.now())});
		assert.equal(timers[2]?.ms, 30_000 - 1_250);

		// The interval tick refreshes everyone and schedules the next tick.
		timers[0]?.fn();
		for (let i = 0; i < 20 && fetches().length < 7; i++) await new Promise((resolve) => setTimeout(resolve, 20));
		assert.equal(fetches().length, 7);
		assert.equal(timers[3]?.ms, 300_000);

		refresher.stop();
		assert.ok(timers[2]?.cancelled && timers[3]?.cancelled);
		pool.close();
	});
});
