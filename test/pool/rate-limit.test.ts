import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {type DecideContext, type FailureMemory, DEFAULT_POLICY, decideFailure, decideSuccess} from '../../source/accounts/rate-limit.js';
import {T0, canned, serverError} from './fakes.js';

const fresh: FailureMemory = {consecutiveFailures: 0};

function ctx(memory: FailureMemory = fresh, extra: Partial<DecideContext> = {}): DecideContext {
	return {now: T0, memory, authFailures: 0, random: () => 0.5, ...extra};
}

describe('rate-limit decisions', () => {
	it('RATE_LIMIT_EXCEEDED with a delay: limited for delay + 250 ms margin, retry', () => {
		const d = decideFailure(canned('rate_limit', T0, {retryDelaySec: 3}), ctx());
		assert.equal(d.memory.limit?.kind, 'rate_limited');
		assert.equal(d.memory.limit?.until, T0 + 3000 + 250);
		assert.equal(d.memory.limit?.since, T0);
		assert.equal(d.memory.consecutiveFailures, 1);
		assert.equal(d.retry, true);
		assert.equal(d.sameAccount, false);
		assert.equal(d.quotaHint, true);
		assert.equal(d.account, undefined);
	});

	it('sub-second and zero delays are floored at 500 ms', () => {
		assert.equal(decideFailure(canned('rate_limit', T0), ctx()).memory.limit?.until, T0 + 579 + 250);
		const zero = decideFailure({status: 429, kind: 'rate_limited', message: 'reset after 0s', reason: 'RATE_LIMIT_EXCEEDED', retryDelayMs: 0}, ctx());
		assert.equal(zero.memory.limit?.until, T0 + 500);
	});

	it('a long RATE_LIMIT_EXCEEDED is recorded the same way (the strategy moves the conversation)', () => {
		const d = decideFailure(canned('rate_limit', T0, {retryDelaySec: 600}), ctx());
		assert.equal(d.memory.limit?.kind, 'rate_limited');
		assert.equal(d.memory.limit?.until, T0 + 600_250);
	});

	it('QUOTA_EXHAUSTED: exhausted until the reset time Google gives', () => {
		const reset = '2026-05-01T14:30:00Z';
		const d = decideFailure(canned('quota_exhausted', T0, {resetTime: reset}), ctx());
		assert.equal(d.memory.limit?.kind, 'exhausted');
		assert.equal(d.memory.limit?.until, Date.parse(reset));
		assert.equal(d.retry, true);
		assert.equal(d.quotaHint, true);
	});

	it('QUOTA_EXHAUSTED keeps the later of the timestamp and retryDelay (the stamp is truncated to seconds)', () => {
		const d = decideFailure({status: 429, kind: 'quota_exhausted', message: 'x', reason: 'QUOTA_EXHAUSTED', resetAt: T0 + 60_000, retryDelayMs: 60_700}, ctx());
		assert.equal(d.memory.limit?.until, T0 + 60_700);
	});

	it('QUOTA_EXHAUSTED without a reset: tiers 1 min, 5 min, 30 min, 2 h', () => {
		const error = {status: 429, kind: 'quota_exhausted' as const, message: 'x', reason: 'QUOTA_EXHAUSTED'};
		const expected = [60_000, 300_000, 1_800_000, 7_200_000, 7_200_000];
		let memory: FailureMemory = fresh;
		let now = T0;
		for (const ms of expected) {
			const d = decideFailure(error, ctx(memory, {now}));
			assert.equal(d.memory.limit?.until, now + ms);
			memory = d.memory;
			now = d.memory.limit?.until ?? now; // the next failure comes after this one expired
			now += 10_000;
		}
	});

	it('QUOTA_EXHAUSTED with a reset already past is held 30 s', () => {
		const d = decideFailure({status: 429, kind: 'quota_exhausted', message: 'x', resetAt: T0 - 5000}, ctx());
		assert.equal(d.memory.limit?.until, T0 + 30_000);
	});

	it('a bare 429 is NOT exhaustion: tiered 5 s, 15 s, 60 s, 5 min by consecutive failures', () => {
		const bare = canned('bare_429', T0);
		assert.equal(bare.kind, 'rate_limited');
		assert.equal(bare.retryDelayMs, undefined);
		const expected = [5_000, 15_000, 60_000, 300_000, 300_000];
		let memory: FailureMemory = fresh;
		let now = T0;
		expected.forEach((ms, i) => {
			const d = decideFailure(bare, ctx(memory, {now}));
			assert.equal(d.memory.limit?.kind, 'rate_limited', `#${i + 1}`);
			assert.equal(d.memory.limit?.until, now + ms, `#${i + 1}`);
			assert.equal(d.memory.consecutiveFailures, i + 1);
			assert.equal(d.duplicate, false);
			memory = d.memory;
			now = (d.memory.limit?.until ?? now) + 3_000; // retried once the backoff ended
		});
	});

	it('concurrent bare 429s during an active backoff are duplicates: no tier climb, no extension', () => {
		const first = decideFailure(canned('bare_429', T0), ctx());
		const second = decideFailure(canned('bare_429', T0 + 1000), ctx(first.memory, {now: T0 + 1000}));
		assert.equal(second.duplicate, true);
		assert.equal(second.memory.consecutiveFailures, 1);
		assert.equal(second.memory.limit?.until, T0 + 5000);
		assert.equal(second.retry, true);
	});

	it('failures older than 10 min are forgotten; a success resets the count', () => {
		const memory: FailureMemory = {consecutiveFailures: 3, lastFailureAt: T0 - DEFAULT_POLICY.failureMemoryMs - 1};
		assert.equal(decideFailure(canned('bare_429', T0), ctx(memory)).memory.limit?.until, T0 + 5_000);
		const limited: FailureMemory = {consecutiveFailures: 3, lastFailureAt: T0, limit: {kind: 'rate_limited', until: T0 + 9000, reason: 'x', since: T0}};
		const after = decideSuccess(limited);
		assert.equal(after.consecutiveFailures, 0);
		assert.deepEqual(after.limit, limited.limit, 'a success does not lift limits other requests hit');
	});

	it('capacity (503): Google\'s retryDelay, else 5-15 s with seeded jitter, and another account', () => {
		const withDelay = decideFailure(canned('capacity_503', T0, {retryDelaySec: 40}), ctx());
		assert.equal(withDelay.memory.limit?.kind, 'capacity');
		assert.equal(withDelay.memory.limit?.until, T0 + 40_000);
		const error = canned('capacity_503', T0);
		assert.equal(decideFailure(error, ctx(fresh, {random: () => 0})).memory.limit?.until, T0 + 5_000);
		assert.equal(decideFailure(error, ctx(fresh, {random: () => 0.5})).memory.limit?.until, T0 + 10_000);
		assert.equal(decideFailure(error, ctx(fresh, {random: () => 0.9999999})).memory.limit?.until, T0 + 14_999);
		assert.equal(decideFailure({...error, status: 529}, ctx()).retry, true);
		assert.equal(decideFailure(error, ctx()).quotaHint, false);
	});

	it('401: refresh the token and retry once on the same account; a second 401 cools the account 5 min', () => {
		const error = canned('unauthenticated_401', T0);
		const first = decideFailure(error, ctx());
		assert.deepEqual(first.account, {action: 'refresh_token'});
		assert.equal(first.sameAccount, true);
		assert.equal(first.retry, true);
		assert.equal(first.memory.limit, undefined);
		const second = decideFailure(error, ctx(first.memory, {authFailures: 1}));
		assert.deepEqual(second.account, {action: 'cooldown', until: T0 + 300_000, reason: '401 again after a token refresh', refreshToken: true});
		assert.equal(second.sameAccount, false);
	});

	it('VALIDATION_REQUIRED: the account is invalid, with the verification link', () => {
		const d = decideFailure(canned('validation_required_403', T0), ctx());
		assert.equal(d.account?.action, 'invalid');
		assert.ok(d.account?.action === 'invalid' && d.account.url?.startsWith('https://accounts.google.com/'));
		assert.equal(d.retry, true);
	});

	it('ToS ban: the account is invalid with the reason', () => {
		const d = decideFailure(canned('banned_403', T0), ctx());
		assert.deepEqual(d.account, {action: 'invalid', reason: 'disabled by Google for a Terms of Service violation'});
	});

	it('other 403: the account cools down 5 min, the request tries another', () => {
		const d = decideFailure(canned('permission_403', T0), ctx());
		assert.equal(d.account?.action, 'cooldown');
		assert.ok(d.account?.action === 'cooldown' && d.account.until === T0 + 300_000 && d.account.reason.includes('IAM_PERMISSION_DENIED'));
		assert.equal(d.retry, true);
	});

	it('5xx: counted; the 3rd in a row cools the account+model 30 s', () => {
		let memory: FailureMemory = fresh;
		for (let i = 1; i <= 2; i++) {
			const d = decideFailure(serverError(), ctx(memory, {now: T0 + i}));
			assert.equal(d.memory.limit, undefined);
			assert.equal(d.memory.consecutiveFailures, i);
			assert.equal(d.retry, true);
			memory = d.memory;
		}
		const third = decideFailure(serverError(502), ctx(memory, {now: T0 + 3}));
		assert.equal(third.memory.limit?.kind, 'capacity');
		assert.equal(third.memory.limit?.until, T0 + 3 + 30_000);
		assert.match(third.memory.limit?.reason ?? '', /3 upstream errors in a row/);
		assert.equal(decideFailure({status: 418, kind: 'unknown', message: 'teapot'}, ctx()).retry, true);
	});

	it('400 and 404 are the request\'s fault: no state change, no retry', () => {
		for (const name of ['invalid_argument_400', 'not_found_404'] as const) {
			const memory: FailureMemory = {consecutiveFailures: 2, lastFailureAt: T0 - 10};
			const d = decideFailure(canned(name, T0), ctx(memory));
			assert.deepEqual(d.memory, memory);
			assert.equal(d.retry, false);
			assert.equal(d.account, undefined);
		}
	});

	it('a shorter limit never shortens a longer active one (exhausted stays exhausted)', () => {
		const exhausted = decideFailure(canned('quota_exhausted', T0, {resetTime: '2026-05-01T14:00:00Z'}), ctx());
		const then = decideFailure(canned('rate_limit', T0 + 100, {retryDelaySec: 1}), ctx(exhausted.memory, {now: T0 + 100}));
		assert.equal(then.memory.limit?.kind, 'exhausted');
		assert.equal(then.memory.limit?.until, Date.parse('2026-05-01T14:00:00Z'));
	});

	it('policy numbers can be overridden', () => {
		const d = decideFailure(canned('bare_429', T0), ctx(fresh, {policy: {bare429TiersMs: [1000]}}));
		assert.equal(d.memory.limit?.until, T0 + 1000);
	});
});
