import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {type LimitsAccount, formatDuration, limitsJson, limitsTable} from '../../source/accounts/limits-view.js';
import {AccountPool} from '../../source/accounts/pool.js';
import {FakeClock, FakeTokens, MemoryStore, T0, canned, record} from './fakes.js';

const NOW = T0;
const OPUS = 'claude-opus-4-6-thinking';
const FLASH = 'gemini-3-flash';

const ACCOUNTS: LimitsAccount[] = [
	{
		email: 'alice@gmail.com',
		projectId: 'p-a',
		tier: 'g1-pro-tier',
		health: 'exhausted',
		enabled: true,
		requestsServed: 42,
		inFlight: 2,
		queued: 1,
		sessions: 3,
		lastUsed: NOW - 65_000,
		quotaFetchedAt: NOW - 120_000,
		models: {
			[OPUS]: {consecutiveFailures: 1, limit: {kind: 'exhausted', until: NOW + 7_980_000, reason: 'QUOTA_EXHAUSTED until reset'}, quota: {remainingFraction: 0, resetTime: '2026-05-01T14:13:00Z'}},
			[FLASH]: {consecutiveFailures: 0, quota: {remainingFraction: 0.853, resetTime: '2026-05-01T17:00:00Z'}},
		},
	},
	{
		email: 'bob@gmail.com',
		projectId: 'p-b',
		tier: 'free-tier',
		health: 'rate_limited',
		enabled: true,
		requestsServed: 7,
		inFlight: 0,
		cooldown: {until: NOW + 45_000, reason: 'token refresh failed: ECONNRESET'},
		models: {
			[OPUS]: {consecutiveFailures: 1, limit: {kind: 'rate_limited', until: NOW + 30_000, reason: 'RATE_LIMIT_EXCEEDED (retry in 30s)'}, quota: {remainingFraction: 1, resetTime: '2026-05-01T17:00:00Z'}},
			[FLASH]: {consecutiveFailures: 0},
		},
	},
	{
		email: 'carol@gmail.com',
		health: 'invalid',
		enabled: true,
		invalidReason: 'verification required by Google',
		verifyUrl: 'https://accounts.google.com/signin/continue?x=1',
		requestsServed: 0,
		inFlight: 0,
		models: {},
	},
	{email: 'dave@gmail.com', projectId: 'p-d', health: 'disabled', enabled: false, requestsServed: 0, inFlight: 0, models: {}},
];

describe('limits view', () => {
	it('formats durations', () => {
		assert.equal(formatDuration(0), '0s');
		assert.equal(formatDuration(-5), '0s');
		assert.equal(formatDuration(400), '1s');
		assert.equal(formatDuration(45_000), '45s');
		assert.equal(formatDuration(60_000), '1m');
		assert.equal(formatDuration(785_000), '13m5s');
		assert.equal(formatDuration(7_980_000), '2h13m');
		assert.equal(formatDuration(104 * 3_600_000), '4d8h');
	});

	it('renders the JSON', () => {
		const json = limitsJson(ACCOUNTS, {now: NOW});
		assert.equal(json.timestamp, '2026-05-01T12:00:00.000Z');
		assert.equal(json.totalAccounts, 4);
		assert.deepEqual(json.summary, {active: 0, rate_limited: 1, exhausted: 1, invalid: 1, disabled: 1});
		assert.deepEqual(json.models, [OPUS, FLASH]);
		assert.deepEqual(json.accounts[0], {
			email: 'alice@gmail.com',
			health: 'exhausted',
			enabled: true,
			projectId: 'p-a',
			tier: 'g1-pro-tier',
			invalidReason: null,
			verifyUrl: null,
			requestsServed: 42,
			inFlight: 2,
			queued: 1,
			sessions: 3,
			lastUsed: '2026-05-01T11:58:55.000Z',
			quotaFetchedAt: '2026-05-01T11:58:00.000Z',
			cooldown: null,
			models: {
				[OPUS]: {
					remainingFraction: 0,
					remaining: '0%',
					resetTime: '2026-05-01T14:13:00Z',
					resetIn: '2h13m',
					state: 'exhausted',
					until: '2026-05-01T14:13:00.000Z',
					untilIn: '2h13m',
					reason: 'QUOTA_EXHAUSTED until reset',
					consecutiveFailures: 1,
				},
				[FLASH]: {
					remainingFraction: 0.853,
					remaining: '85%',
					resetTime: '2026-05-01T17:00:00Z',
					resetIn: '5h0m',
					state: 'ok',
					until: null,
					untilIn: null,
					reason: null,
					consecutiveFailures: 0,
				},
			},
		});
		// An account-wide cooldown that outlasts a model limit shows as the model's state.
		assert.equal(json.accounts[1]?.models[OPUS]?.state, 'cooldown');
		assert.equal(json.accounts[1]?.models[OPUS]?.untilIn, '45s');
		assert.deepEqual(json.accounts[1]?.cooldown, {until: '2026-05-01T12:00:45.000Z', reason: 'token refresh failed: ECONNRESET'});
		assert.deepEqual(json.accounts[1]?.models[FLASH], {
			remainingFraction: null,
			remaining: null,
			resetTime: null,
			resetIn: null,
			state: 'cooldown',
			until: '2026-05-01T12:00:45.000Z',
			untilIn: '45s',
			reason: 'token refresh failed: ECONNRESET',
			consecutiveFailures: 0,
		});
		assert.equal(json.accounts[2]?.verifyUrl, 'https://accounts.google.com/signin/continue?x=1');
		assert.deepEqual(json.accounts[3]?.models[OPUS]?.state, 'ok');
	});

	it('an explicit model list gives every account a column for it', () => {
		const json = limitsJson(ACCOUNTS.slice(0, 1), {now: NOW, models: ['gemini-3.1-pro-high']});
		assert.deepEqual(json.models, ['gemini-3.1-pro-high']);
		assert.equal(json.accounts[0]?.models['gemini-3.1-pro-high']?.remaining, null);
	});

	it('renders the aligned table', () => {
		const expected = [
			'Account limits at 2026-05-01T12:00:00.000Z: 4 account(s), 0 active, 1 rate-limited, 1 exhausted, 1 invalid, 1 disabled',
			'',
			'ACCOUNT          HEALTH        TIER         SERVED  IN-FLIGHT  QUEUED  LAST USED  QUOTA AGE  NOTE',
			'alice@gmail.com  exhausted     g1-pro-tier  42      2          1       1m5s ago   2m ago',
			'bob@gmail.com    rate_limited  free-tier    7       0          0       -          -          cooling down 45s: token refresh failed: ECONNRESET',
			'carol@gmail.com  invalid       -            0       0          0       -          -          verification required by Google: https://accounts.google.com/signin/continue?x=1',
			'dave@gmail.com   disabled      -            0       0          0       -          -',
			'',
			'MODEL                     alice@gmail.com  bob@gmail.com  carol@gmail.com  dave@gmail.com',
			'claude-opus-4-6-thinking  0% EXH 2h13m     100% COOL 45s  invalid          disabled',
			'gemini-3-flash            85% (5h0m)       ? COOL 45s     invalid          disabled',
			'',
			'Legend: NN% = quota left, (2h13m) = time to its reset, RL = rate-limited, EXH = quota exhausted, CAP = no capacity or upstream errors, COOL = account cooling down, ? = unknown; the time after a marker is when it ends.',
			'',
		].join('\n');
		assert.equal(limitsTable(ACCOUNTS, {now: NOW}), expected);
	});

	it('shows rate limits and capacity markers', () => {
		const [, bob] = ACCOUNTS;
		assert.ok(bob !== undefined);
		const {cooldown: _cooldown, ...noCooldown} = bob;
		const withCapacity: LimitsAccount = {...noCooldown, models: {...bob.models, [FLASH]: {consecutiveFailures: 3, limit: {kind: 'capacity', until: NOW + 12_000, reason: '3 upstream errors in a row'}}}};
		const table = limitsTable([withCapacity], {now: NOW});
		assert.match(table, /claude-opus-4-6-thinking {2}100% RL 30s\n/);
		assert.match(table, /gemini-3-flash {12}\? CAP 12s\n/);
	});

	it('says so when there is nothing to show', () => {
		assert.equal(limitsTable([], {now: NOW}), 'Account limits at 2026-05-01T12:00:00.000Z: 0 account(s), 0 active, 0 rate-limited, 0 exhausted, 0 invalid, 0 disabled\n\nNo accounts. Add one with `agproxy accounts add`.\n');
		const fresh: LimitsAccount = {email: 'x@y.z', health: 'active', enabled: true, requestsServed: 0, inFlight: 0, models: {}};
		assert.match(limitsTable([fresh], {now: NOW}), /No per-model data yet/);
	});

	it('works on a live pool snapshot', async () => {
		const clock = new FakeClock();
		const pool = new AccountPool({store: new MemoryStore([record('a@x.test'), record('b@x.test')]), tokens: new FakeTokens(), now: clock.now, sleep: clock.sleep});
		const credential = await pool.acquire(OPUS, 's', new AbortController().signal);
		pool.report(credential, OPUS, {ok: false, error: canned('quota_exhausted', clock.now(), {resetTime: '2026-05-01T14:13:00Z'})});
		const json = limitsJson(pool.snapshot(), {now: clock.now()});
		assert.equal(json.accounts[0]?.health, 'exhausted');
		assert.equal(json.accounts[0]?.models[OPUS]?.state, 'exhausted');
		assert.equal(json.accounts[0]?.models[OPUS]?.untilIn, '2h13m');
		assert.equal(json.accounts[1]?.models[OPUS]?.state, 'ok');
		assert.equal(json.accounts[1]?.models[OPUS]?.remaining, null);
		assert.match(limitsTable(pool.snapshot(), {now: clock.now()}), /claude-opus-4-6-thinking {2}\? EXH 2h13m {2}\?\n/);
	});
});
