// Google out of capacity in the pool (pure: fake clock, fake tokens): with no other account the next acquire answers
// 529 overloaded_error with retry-after at once instead of sleeping through the 5-15 s backoff; another account is
// used when there is one; the 5xx cooldown (same `capacity` kind, not an overload) is still waited out.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {AccountPool} from '../../source/accounts/pool.js';
import {HttpError} from '../../source/http/errors.js';
import {FakeClock, FakeTokens, MemoryStore, canned, record, serverError} from './fakes.js';

const M = 'claude-sonnet-4-6';

function setup(emails: string[]) {
	const clock = new FakeClock();
	// random() = 0.5: a capacity backoff without a server delay is 5 s + 0.5 * 10 s = 10 s.
	const pool = new AccountPool({store: new MemoryStore(emails.map((email) => record(email))), tokens: new FakeTokens(), now: clock.now, sleep: clock.sleep, random: () => 0.5});
	return {clock, pool};
}

const signal = new AbortController().signal;

async function capacityOn(pool: AccountPool, clock: FakeClock, session: string): Promise<string> {
	const credential = await pool.acquire(M, session, signal);
	const advice = pool.report(credential, M, {ok: false, error: canned('capacity_503', clock.now())});
	assert.equal(advice, 'retry');
	return credential.accountId;
}

describe('capacity in the pool', () => {
	it('one account: 529 overloaded_error with retry-after at the end of the backoff, no sleep', async () => {
		const {clock, pool} = setup(['a@x.test']);
		await capacityOn(pool, clock, 's');
		const error = await pool.acquire(M, 's', signal).then(() => assert.fail('expected a 529'), (e: unknown) => e);
		assert.ok(error instanceof HttpError);
		assert.equal(error.status, 529);
		assert.equal(error.type, 'overloaded_error');
		assert.equal(error.headers['retry-after'], '10');
		assert.match(error.message, /no capacity for claude-sonnet-4-6 right now on the only Google account; retry in 10s/);
		assert.deepEqual(clock.sleeps, [], 'never waited');
		// Other models are not affected; once the backoff is over the account serves the model again.
		assert.equal((await pool.acquire('gemini-3-flash', 's2', signal)).accountId, 'a@x.test');
		clock.advance(10_001);
		assert.equal((await pool.acquire(M, 's', signal)).accountId, 'a@x.test');
		pool.close();
	});

	it('two accounts: the other one serves; both out of capacity: 529 at once', async () => {
		const {clock, pool} = setup(['a@x.test', 'b@x.test']);
		const first = await capacityOn(pool, clock, 's');
		const second = await pool.acquire(M, 's', signal);
		assert.notEqual(second.accountId, first);
		pool.report(second, M, {ok: false, error: canned('capacity_503', clock.now(), {retryDelaySec: 4})});
		const error = await pool.acquire(M, 's', signal).then(() => assert.fail('expected a 529'), (e: unknown) => e);
		assert.ok(error instanceof HttpError);
		assert.equal(error.status, 529);
		assert.match(error.message, /any of the 2 Google accounts/);
		assert.equal(error.headers['retry-after'], '4', 'the first account back');
		assert.deepEqual(clock.sleeps, []);
		pool.close();
	});

	it('the 5xx cooldown is not an overload: a short one is still waited out', async () => {
		const {clock, pool} = setup(['a@x.test']);
		for (let i = 0; i < 3; i++) {
			const credential = await pool.acquire(M, 's', signal);
			pool.report(credential, M, {ok: false, error: serverError()});
		}
		assert.equal(pool.snapshot()[0]?.models[M]?.limit?.kind, 'capacity');
		assert.equal((await pool.acquire(M, 's', signal)).accountId, 'a@x.test');
		assert.deepEqual(clock.sleeps, [30_000]);
		pool.close();
	});
});
