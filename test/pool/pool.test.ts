import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {AccountPool, type PoolEvent, type PoolOptions, redact} from '../../source/accounts/pool.js';
import type {UpstreamError} from '../../source/cloudcode/errors.js';
import {HttpError} from '../../source/http/errors.js';
import type {Credential} from '../../source/upstream/credentials.js';
import {FakeClock, FakeTokens, MemoryStore, T0, canned, record, serverError, settle} from './fakes.js';

const M = 'claude-sonnet-4-6';
const A = 'a@agproxy.test';
const B = 'b@agproxy.test';
const C = 'c@agproxy.test';
const OPTS = {timeout: 10_000};

function setup(emails: string[] = [A, B], options: Partial<PoolOptions> = {}) {
	const clock = new FakeClock();
	const store = new MemoryStore(emails.map((email) => record(email)));
	const tokens = new FakeTokens();
	const pool = new AccountPool({store, tokens, now: clock.now, sleep: clock.sleep, random: () => 0.5, ...options});
	return {clock, store, tokens, pool};
}

const live = (): AbortSignal => new AbortController().signal;

async function acquire(pool: AccountPool, session: string, model = M): Promise<Credential> {
	return pool.acquire(model, session, live());
}

/** One successful request. */
async function serve(pool: AccountPool, session: string, model = M): Promise<string> {
	const credential = await acquire(pool, session, model);
	pool.report(credential, model, {ok: true});
	return credential.accountId;
}

/** One request that fails with `error`. */
async function fail(pool: AccountPool, session: string, error: UpstreamError, model = M): Promise<{account: string; advice: unknown}> {
	const credential = await acquire(pool, session, model);
	const advice = pool.report(credential, model, {ok: false, error});
	return {account: credential.accountId, advice};
}

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
	try {
		await promise;
	} catch (error) {
		assert.ok(error instanceof HttpError, `expected an HttpError, got ${String(error)}`);
		return error;
	}
	assert.fail('expected a rejection');
}

describe('AccountPool: sticky conversations', OPTS, () => {
	it('keeps a conversation on its account and spreads new conversations', async () => {
		const {pool} = setup();
		const first = await serve(pool, 's1');
		for (let i = 0; i < 5; i++) assert.equal(await serve(pool, 's1'), first);
		const second = await serve(pool, 's2');
		assert.notEqual(second, first);
		assert.equal(pool.bindingOf('s1'), first);
		assert.equal(pool.bindingOf('s2'), second);
		assert.equal(pool.snapshot().find((a) => a.email === first)?.requestsServed, 6);
	});

	it('moves the conversation for good on a long 429 (longer than maxWaitMs)', async () => {
		const {pool, clock} = setup();
		const {account, advice} = await fail(pool, 's1', canned('rate_limit', clock.now(), {retryDelaySec: 600}));
		assert.equal(account, A);
		assert.equal(advice, 'retry');
		assert.equal(await serve(pool, 's1'), B);
		assert.equal(pool.bindingOf('s1'), B);
		assert.deepEqual(clock.sleeps, []);
	});

	it('a 429 of 30 s moves this request only: the binding stays and the conversation returns', async () => {
		const {pool, clock} = setup();
		await fail(pool, 's1', canned('rate_limit', clock.now(), {retryDelaySec: 30}));
		assert.equal(await serve(pool, 's1'), B);
		assert.equal(pool.bindingOf('s1'), A);
		clock.advance(31_000);
		assert.equal(await serve(pool, 's1'), A);
		assert.deepEqual(clock.sleeps, []);
	});

	it('waits out a short 429 on the same account when no other account is free (no switch)', async () => {
		const {pool, clock} = setup();
		assert.equal(await serve(pool, 's1'), A);
		// B is out of quota for this model.
		const onB = await fail(pool, 's2', canned('quota_exhausted', clock.now(), {resetTime: '2026-05-01T18:00:00Z'}));
		assert.equal(onB.account, B);
		await fail(pool, 's1', canned('rate_limit', clock.now(), {retryDelaySec: 3}));
		const credential = await acquire(pool, 's1');
		assert.equal(credential.accountId, A);
		assert.deepEqual(clock.sleeps, [3_250]);
		assert.equal(pool.bindingOf('s1'), A);
	});

	it('a limit of at most stickyWaitMs (2 s) is waited for even when another account is free', async () => {
		const {pool, clock} = setup();
		await fail(pool, 's1', canned('rate_limit', clock.now(), {retryDelaySec: 1}));
		assert.equal(await serve(pool, 's1'), A);
		assert.deepEqual(clock.sleeps, [1_250]);
	});

	it('a bare 429 backs off 5 s (waited out when nothing else is free), then 15 s', async () => {
		const {pool, clock} = setup([A]);
		await fail(pool, 's1', canned('bare_429', clock.now()));
		await fail(pool, 's1', canned('bare_429', clock.now()));
		assert.equal(await serve(pool, 's1'), A);
		assert.deepEqual(clock.sleeps, [5_000, 15_000]);
		assert.equal(pool.snapshot()[0]?.health, 'active');
	});

	it('capacity (503) moves the request to another account', async () => {
		const {pool, clock} = setup();
		await fail(pool, 's1', canned('capacity_503', clock.now(), {retryDelaySec: 20}));
		assert.equal(await serve(pool, 's1'), B);
		assert.equal(pool.bindingOf('s1'), A);
	});


	it('a 5xx retries that one request on another account; the binding stays and the next turn tries its account again', async () => {
		const {pool, clock} = setup();
		assert.equal(await serve(pool, 's1'), A);
		const failed = await fail(pool, 's1', canned('server_500', clock.now()));
		assert.deepEqual(failed, {account: A, advice: 'retry'});
		assert.equal(await serve(pool, 's1'), B, 'the retry goes elsewhere');
		assert.equal(pool.bindingOf('s1'), A);
		assert.equal(await serve(pool, 's1'), A, 'the next turn is back on its account');
		// With no other account usable, the retry stays where it is rather than failing.
		const single = setup([A]);
		await fail(single.pool, 's2', canned('server_500', single.clock.now()));
		assert.equal(await serve(single.pool, 's2'), A);
	});
	it('limits are per model: an account exhausted on one model serves the others', async () => {
		const {pool, clock} = setup([A]);
		await fail(pool, 's1', canned('quota_exhausted', clock.now(), {retryDelaySec: 3600}), 'claude-opus-4-6-thinking');
		assert.equal(await serve(pool, 's1', 'gemini-3-flash'), A);
		const error = await rejection(acquire(pool, 's1', 'claude-opus-4-6-thinking'));
		assert.equal(error.status, 429);
	});
});

describe('AccountPool: exhaustion and running out', OPTS, () => {
	it('puts an exhausted account aside until its reset, then uses it again', async () => {
		const {pool, clock} = setup();
		await fail(pool, 's1', canned('quota_exhausted', clock.now(), {resetTime: '2026-05-01T13:00:00Z'}));
		assert.equal(await serve(pool, 's1'), B, 'rebound to B');
		assert.equal(pool.bindingOf('s1'), B);
		await fail(pool, 's1', canned('quota_exhausted', clock.now(), {resetTime: '2026-05-01T14:00:00Z'}));
		const error = await rejection(acquire(pool, 's1'));
		assert.equal(error.status, 429);
		assert.equal(error.type, 'rate_limit_error');
		assert.equal(error.headers['retry-after'], '3600');
		assert.match(error.message, /2 out of quota/);
		assert.deepEqual(clock.sleeps, [], 'no waiting when everything is out for long');
		clock.t = Date.parse('2026-05-01T13:00:00Z');
		assert.equal(await serve(pool, 's1'), A);
		assert.equal(pool.snapshot().find((a) => a.email === A)?.health, 'active');
	});

	it('every account out: 429 with retry-after = the earliest reset, at once (never hangs)', async () => {
		const {pool, clock} = setup([A, B, C]);
		await fail(pool, 's1', canned('quota_exhausted', clock.now(), {retryDelaySec: 7200}));
		await fail(pool, 's2', canned('rate_limit', clock.now(), {retryDelaySec: 900}));
		await fail(pool, 's3', canned('quota_exhausted', clock.now(), {retryDelaySec: 5 * 3600}));
		const started = Date.now();
		const error = await rejection(acquire(pool, 's4'));
		assert.ok(Date.now() - started < 1000);
		assert.equal(error.status, 429);
		assert.equal(error.headers['retry-after'], '901');
		assert.match(error.message, /the first is free again in 15m1s/);
		assert.deepEqual(pool.summary(), {total: 3, active: 0, rateLimited: 3, invalid: 0, disabled: 0});
	});

	it('every account briefly limited: waits for the first to free up (bounded by maxWaitMs)', async () => {
		const {pool, clock} = setup();
		await fail(pool, 's1', canned('rate_limit', clock.now(), {retryDelaySec: 100}));
		await fail(pool, 's2', canned('rate_limit', clock.now(), {retryDelaySec: 110}));
		assert.equal(await serve(pool, 's3'), A);
		assert.deepEqual(clock.sleeps, [100_250]);
	});

	it('the wait budget is for the whole acquire: a limit that comes back during the wait ends in a 429', async () => {
		const clock = new FakeClock();
		let relimited = false;
		let pool: AccountPool | undefined;
		// While this request waits, another request on A gets a fresh 6 s limit.
		const sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
			await clock.sleep(ms, signal);
			if (relimited || pool === undefined) return;
			relimited = true;
			const other = await pool.acquire(M, 'other', live());
			pool.report(other, M, {ok: false, error: canned('rate_limit', clock.now(), {retryDelaySec: 6})});
		};
		pool = new AccountPool({store: new MemoryStore([record(A)]), tokens: new FakeTokens(), now: clock.now, sleep, maxWaitMs: 10_000});
		await fail(pool, 's1', canned('rate_limit', clock.now(), {retryDelaySec: 6}));
		const error = await rejection(acquire(pool, 's1'));
		assert.equal(error.status, 429);
		assert.equal(error.headers['retry-after'], '7');
		assert.deepEqual(clock.sleeps, [6_250], 'one wait: the second would overrun the 10 s budget');
	});

	it('an aborted request stops waiting with 499', async () => {
		const {pool, clock} = setup([A]);
		await fail(pool, 's1', canned('rate_limit', clock.now(), {retryDelaySec: 60}));
		const controller = new AbortController();
		controller.abort();
		const error = await rejection(pool.acquire(M, 's1', controller.signal));
		assert.equal(error.status, 499);
	});

	it('no account at all: 503 telling how to add one', async () => {
		const {pool} = setup([]);
		const error = await rejection(acquire(pool, 's1'));
		assert.equal(error.status, 503);
		assert.match(error.message, /agproxy accounts add/);
	});
});

describe('AccountPool: tokens and invalid accounts', OPTS, () => {
	it('401: forces a token refresh and the retry gets the new token on the same account', async () => {
		const {pool, tokens} = setup();
		const first = await acquire(pool, 's1');
		assert.equal(first.accessToken, `tok-${A}-1`);
		assert.equal(pool.report(first, M, {ok: false, error: canned('unauthenticated_401', T0)}), 'retry');
		await settle();
		assert.ok(tokens.calls.some((call) => call.email === A && call.force));
		const retry = await acquire(pool, 's1');
		assert.equal(retry.accountId, A);
		assert.equal(retry.accessToken, `tok-${A}-2`);
		pool.report(retry, M, {ok: true});
	});

	it('401 under round-robin: the retry still goes to the same account, then the rotation goes on', async () => {
		const {pool} = setup([A, B], {strategy: 'round-robin'});
		const first = await acquire(pool, 's1');
		assert.equal(first.accountId, A);
		pool.report(first, M, {ok: false, error: canned('unauthenticated_401', T0)});
		const retry = await acquire(pool, 's1');
		assert.equal(retry.accountId, A);
		assert.equal(retry.accessToken, `tok-${A}-2`);
		pool.report(retry, M, {ok: true});
		assert.equal(await serve(pool, 's1'), B);
	});

	it('a second 401 in a row cools the account down; requests go elsewhere', async () => {
		const {pool} = setup();
		await fail(pool, 's1', canned('unauthenticated_401', T0));
		const again = await fail(pool, 's1', canned('unauthenticated_401', T0));
		assert.equal(again.account, A);
		assert.equal(await serve(pool, 's1'), B);
		const a = pool.snapshot().find((s) => s.email === A);
		assert.equal(a?.health, 'rate_limited');
		assert.equal(a?.cooldown?.until, T0 + 300_000);
	});

	it('invalid_grant from the token source: the account is invalid and skipped (the TokenManager persists it)', async () => {
		const {pool, tokens, store} = setup();
		tokens.invalid.add(A);
		assert.equal(await serve(pool, 's1'), B);
		assert.equal(await serve(pool, 's2'), B);
		const a = pool.snapshot().find((s) => s.email === A);
		assert.equal(a?.health, 'invalid');
		assert.match(a?.invalidReason ?? '', /^invalid_grant/);
		assert.deepEqual(store.updates, []);
		assert.equal(pool.summary().invalid, 1);
		tokens.invalid.add(B);
		await fail(pool, 's3', serverError()).catch(() => undefined);
		const error = await rejection(acquire(pool, 's3'));
		assert.equal(error.status, 503);
		assert.match(error.message, /2 invalid/);
	});

	it('VALIDATION_REQUIRED: invalid with the link, saved to the store, skipped', async () => {
		const {pool, store} = setup();
		await fail(pool, 's1', canned('validation_required_403', T0, {}));
		await settle();
		const a = pool.snapshot().find((s) => s.email === A);
		assert.equal(a?.health, 'invalid');
		assert.match(a?.verifyUrl ?? '', /^https:\/\/accounts\.google\.com\//);
		assert.equal(store.updates[0]?.email, A);
		assert.equal(store.updates[0]?.patch.invalid?.reason, 'verification required by Google');
		assert.equal(await serve(pool, 's1'), B);
	});

	it('a ToS ban marks the account invalid', async () => {
		const {pool} = setup();
		await fail(pool, 's1', canned('banned_403', T0));
		assert.match(pool.snapshot().find((s) => s.email === A)?.invalidReason ?? '', /Terms of Service/);
	});

	it('a token refresh that fails for another reason rests the account 30 s', async () => {
		const {pool, tokens, clock} = setup();
		tokens.broken.add(A);
		assert.equal(await serve(pool, 's1'), B);
		tokens.broken.delete(A);
		clock.advance(31_000);
		assert.equal(await serve(pool, 's2'), A);
	});

	it('refreshAllTokens reports each enabled account without leaking tokens', async () => {
		const {pool, tokens, store} = setup([A, B, C]);
		store.records[2] = {...(store.records[2] ?? record(C)), enabled: false};
		await pool.reload();
		tokens.invalid.add(B);
		const results = await pool.refreshAllTokens();
		assert.deepEqual(results, [
			{email: A, ok: true},
			{email: B, ok: false, error: `Google refused the refresh token for ${B}: Token has been expired or revoked.`},
		]);
		assert.equal(pool.snapshot().find((s) => s.email === B)?.health, 'invalid');
		assert.equal(redact('Bearer ya29.secret-token and 1//refresh-x'), 'Bearer … and 1//…');
	});

	it('a 400 is the request\'s fault: advice stop, account untouched', async () => {
		const {pool} = setup();
		const {advice} = await fail(pool, 's1', canned('invalid_argument_400', T0));
		assert.equal(advice, 'stop');
		assert.equal(pool.snapshot()[0]?.health, 'active');
	});
});

describe('AccountPool: enabled, store changes', OPTS, () => {
	it('disabled accounts are skipped; setEnabled persists and takes effect at once', async () => {
		const {pool, store} = setup();
		store.records[0] = {...(store.records[0] ?? record(A)), enabled: false};
		await pool.reload();
		for (let i = 0; i < 5; i++) assert.equal(await serve(pool, `s${i}`), B);
		assert.equal(await pool.setEnabled(A, true), true);
		assert.equal(await serve(pool, 'new'), A);
		await pool.setEnabled(B, false);
		assert.deepEqual(store.updates.at(-1), {email: B, patch: {enabled: false}});
		assert.equal(await serve(pool, 's1'), A, 's1 was on B: rebound');
		assert.equal(pool.summary().disabled, 1);
		assert.equal(await pool.setEnabled('nobody@x.test', true), false);
	});

	it('reloads on store.watch: new accounts are used, removed ones forgotten', async () => {
		const {pool, store, tokens} = setup([A]);
		assert.equal(await serve(pool, 's1'), A);
		store.records.push(record(B));
		store.changed();
		await pool.reload();
		assert.equal(await serve(pool, 's2'), B);
		store.records = store.records.filter((r) => r.email !== A);
		store.changed();
		await pool.reload();
		assert.deepEqual(tokens.forgotten, [A]);
		assert.equal(await serve(pool, 's1'), B);
		assert.deepEqual(pool.snapshot().map((s) => s.email), [B]);
	});

	it('an account without a project is not used', async () => {
		const {pool, store} = setup([A, B]);
		store.records[0] = {...(store.records[0] ?? record(A)), projectId: undefined};
		await pool.reload();
		assert.equal(await serve(pool, 's1'), B);
		assert.match(pool.snapshot()[0]?.invalidReason ?? '', /no Cloud Code project/);
	});

	it('a new refresh token (re-login) clears a runtime invalid mark', async () => {
		const {pool, store, tokens} = setup([A]);
		tokens.invalid.add(A);
		await rejection(acquire(pool, 's1'));
		tokens.invalid.delete(A);
		store.records[0] = {...(store.records[0] ?? record(A)), refreshToken: '1//new'};
		await pool.reload();
		assert.equal(await serve(pool, 's1'), A);
	});

	it('emits change events for the dashboard', async () => {
		const {pool, clock} = setup();
		await pool.loaded();
		const events: PoolEvent['type'][] = [];
		const off = pool.onChange((event) => events.push(event.type));
		await fail(pool, 's1', canned('rate_limit', clock.now(), {retryDelaySec: 600}));
		await fail(pool, 's1', canned('banned_403', T0));
		off();
		await serve(pool, 's1').catch(() => undefined);
		assert.deepEqual(events, ['acquired', 'released', 'failure', 'acquired', 'released', 'invalid', 'notice', 'failure']);
	});
});

describe('AccountPool: concurrency', OPTS, () => {
	it('respects the per-account limit; slots are released on success, on error and on abort', async () => {
		const {pool} = setup([A], {perAccountConcurrency: 2});
		const c1 = await acquire(pool, 's1');
		const c2 = await acquire(pool, 's2');
		let granted = false;
		const pending = acquire(pool, 's3').then((c) => {
			granted = true;
			return c;
		});
		await settle();
		assert.equal(granted, false, 'the third waits for a slot');
		assert.equal(pool.snapshot()[0]?.inFlight, 2);
		assert.equal(pool.snapshot()[0]?.queued, 1);
		// An aborted waiter leaves the queue without taking a slot.
		const controller = new AbortController();
		const aborted = pool.acquire(M, 's4', controller.signal).catch((error: unknown) => error);
		await settle();
		controller.abort();
		assert.equal(((await aborted) as HttpError).status, 499);
		// A failure report frees the slot.
		pool.report(c1, M, {ok: false, error: serverError()});
		const third = await pending;
		assert.equal(third.accountId, A);
		c1.release?.();
		c1.release?.();
		c2.release?.();
		third.release?.();
		await settle();
		assert.equal(pool.snapshot()[0]?.inFlight, 0);
		assert.equal(pool.snapshot()[0]?.queued, 0);
	});

	it('a saturated bound account spills extra requests of that session to the least-loaded account, binding kept', async () => {
		const {pool} = setup([A, B, C], {perAccountConcurrency: 2});
		const held = await Promise.all([0, 1, 2, 3, 4, 5].map(() => acquire(pool, 'fan-out')));
		assert.deepEqual(held.map((c) => c.accountId).sort(), [A, A, B, B, C, C]);
		assert.equal(pool.bindingOf('fan-out'), A);
		for (const c of held) c.release?.();
	});

	it('50 concurrent conversations over 3 accounts keep their bindings and lose no request', async () => {
		for (const concurrency of [20, 4]) {
			const {pool, clock} = setup([A, B, C], {perAccountConcurrency: concurrency});
			let maxInFlight = 0;
			pool.onChange((event) => {
				if (event.type === 'acquired') for (const s of pool.snapshot()) maxInFlight = Math.max(maxInFlight, s.inFlight);
			});
			const firstBinding = new Map<string, string>();
			const served: Array<{conversation: string; account: string}> = [];
			let rateLimited = 0;
			const turn = async (conversation: string, turnIndex: number): Promise<void> => {
				for (let attempt = 0; attempt < 10; attempt++) {
					const credential = await acquire(pool, conversation);
					if (!firstBinding.has(conversation)) firstBinding.set(conversation, pool.bindingOf(conversation) ?? '');
					await new Promise<void>((resolve) => setImmediate(resolve));
					// B answers a short 429 now and then.
					if (credential.accountId === B && turnIndex % 3 === 1 && attempt === 0) {
						rateLimited++;
						assert.equal(pool.report(credential, M, {ok: false, error: canned('rate_limit', clock.now(), {retryDelaySec: 5})}), 'retry');
						continue;
					}
					pool.report(credential, M, {ok: true});
					served.push({conversation, account: credential.accountId});
					return;
				}
				assert.fail(`${conversation} turn ${turnIndex} never succeeded`);
			};
			const conversations = Array.from({length: 50}, (_, i) => `conv-${i}`);
			await Promise.all(
				conversations.map(async (conversation) => {
					for (let t = 0; t < 4; t++) await turn(conversation, t);
				}),
			);
			assert.equal(served.length, 200, 'every request served');
			assert.ok(rateLimited > 0);
			assert.ok(maxInFlight <= concurrency, `max in flight ${maxInFlight} <= ${concurrency}`);
			for (const conversation of conversations) assert.equal(pool.bindingOf(conversation), firstBinding.get(conversation), `${conversation} kept its binding`);
			const perAccount = new Map<string, number>();
			for (const conversation of conversations) perAccount.set(firstBinding.get(conversation) ?? '', (perAccount.get(firstBinding.get(conversation) ?? '') ?? 0) + 1);
			assert.deepEqual([...perAccount.values()].sort(), [16, 17, 17]);
			if (concurrency === 20) {
				// With slots to spare, only B's short 429s moved requests off their bound account.
				const moved = served.filter((s) => s.account !== firstBinding.get(s.conversation));
				assert.ok(moved.every((s) => firstBinding.get(s.conversation) === B), 'only B conversations moved');
			}
			const snapshot = pool.snapshot();
			assert.equal(snapshot.reduce((sum, s) => sum + s.requestsServed, 0), 200);
			assert.ok(snapshot.every((s) => s.inFlight === 0 && s.queued === 0));
		}
	});
});

describe('AccountPool: quota data', OPTS, () => {
	it('a model at 0% is exhausted until its reset; an account that does not list the model is skipped', async () => {
		const {pool, clock} = setup([A, B, C]);
		await pool.loaded();
		pool.applyQuota(A, {
			fetchedAt: clock.now(),
			startedAt: clock.now(),
			models: [{id: M, displayName: 'Claude Sonnet 4.6'}],
			quotas: {[M]: {remainingFraction: 0, resetTime: '2026-05-01T13:00:00Z'}},
		});
		pool.applyQuota(C, {fetchedAt: clock.now(), startedAt: clock.now(), models: [{id: 'gemini-3-flash', displayName: 'Gemini 3 Flash'}], quotas: {}});
		for (let i = 0; i < 4; i++) assert.equal(await serve(pool, `s${i}`), B);
		const a = pool.snapshot()[0];
		assert.equal(a?.health, 'exhausted');
		assert.equal(a?.models[M]?.limit?.until, Date.parse('2026-05-01T13:00:00Z'));
		clock.t = Date.parse('2026-05-01T13:00:01Z');
		assert.equal(await serve(pool, 'new'), A);
	});

	it('a fresh fetch that shows quota again lifts an exhaustion recorded before it', async () => {
		const {pool, clock} = setup([A]);
		await fail(pool, 's1', canned('quota_exhausted', clock.now(), {retryDelaySec: 3600}));
		clock.advance(60_000);
		pool.applyQuota(A, {fetchedAt: clock.now(), startedAt: clock.now(), models: [{id: M, displayName: M}], quotas: {[M]: {remainingFraction: 0.4, resetTime: '2026-05-01T17:00:00Z'}}});
		assert.equal(await serve(pool, 's1'), A);
	});

	it('quota-aware prefers the account with the most quota left', async () => {
		const {pool, clock} = setup([A, B], {strategy: 'quota-aware'});
		await pool.loaded();
		const q = (fraction: number) => ({fetchedAt: clock.now(), startedAt: clock.now(), models: [{id: M, displayName: M}], quotas: {[M]: {remainingFraction: fraction, resetTime: '2026-05-01T17:00:00Z'}}});
		pool.applyQuota(A, q(0.2));
		pool.applyQuota(B, q(0.9));
		assert.equal(await serve(pool, 's1'), B);
		assert.equal(await serve(pool, 's2'), B);
	});
});
