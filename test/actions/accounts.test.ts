// Accounts through the actions layer: list never carries refresh tokens, enable/disable reach the store and the
// running pool, upsert keeps the first-added time, remove, verify needs a verifier.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {AccountPool} from '../../source/accounts/pool.js';
import * as accounts from '../../source/actions/accounts.js';
import type {AccountVerdict} from '../../source/actions/context.js';
import {InvalidError, NotFoundError, UnavailableError} from '../../source/actions/errors.js';
import {FakeTokens, record} from '../pool/fakes.js';
import {context} from '../admin/helpers.js';

describe('accounts actions', () => {
	test('list, upsert, setEnabled, remove without a pool (the CLI on the data directory)', async () => {
		const {ctx, store} = context();
		const first = await accounts.upsert(ctx, record('a@example.com'));
		assert.equal(first.created, true);
		assert.ok(!JSON.stringify(first).includes('refresh'), 'no refresh token in results');
		const again = await accounts.upsert(ctx, {...record('A@example.com'), refreshToken: '1//newer', addedAt: '2030-01-01T00:00:00.000Z'});
		assert.equal(again.created, false);
		assert.equal(again.account.addedAt, record('a@example.com').addedAt, 'the first-added time stays');
		assert.equal((await store.accounts.get('a@example.com'))?.refreshToken, '1//newer');
		await accounts.upsert(ctx, record('b@example.com', {invalid: {reason: 'banned', at: '2026-01-01T00:00:00.000Z'}}));

		const listed = await accounts.list(ctx);
		assert.deepEqual(
			listed.map(a => [a.email, a.enabled, a.invalid?.reason]),
			[
				['A@example.com', true, undefined],
				['b@example.com', true, 'banned'],
			],
		);
		assert.ok(!JSON.stringify(listed).includes('1//'), 'list never carries a refresh token');

		assert.equal((await accounts.setEnabled(ctx, 'b@example.com', false)).enabled, false);
		assert.equal((await store.accounts.get('b@example.com'))?.enabled, false);
		await assert.rejects(accounts.setEnabled(ctx, 'c@example.com', false), NotFoundError);
		await assert.rejects(accounts.setEnabled(ctx, 'not-an-email', false), InvalidError);
		assert.deepEqual(await accounts.remove(ctx, 'B@EXAMPLE.COM'), {removed: 'b@example.com'});
		await assert.rejects(accounts.remove(ctx, 'b@example.com'), /no stored account b@example\.com/);
		await assert.rejects(accounts.upsert(ctx, {...record('x@example.com'), refreshToken: ' '}), /refresh token is empty/);
		await assert.rejects(accounts.verify(ctx), UnavailableError);
	});

	test('with the running pool: enable/disable, upsert and remove reach it at once; list shows its health', async () => {
		const {ctx, store} = context();
		await store.accounts.upsert(record('a@example.com'));
		const pool = new AccountPool({store: store.accounts, tokens: new FakeTokens()});
		await pool.loaded();
		const withPool = {...ctx, pool};
		try {
			const disabled = await accounts.setEnabled(withPool, 'a@example.com', false);
			assert.equal(disabled.enabled, false);
			assert.equal(disabled.health, 'disabled');
			assert.equal(pool.snapshot()[0]?.enabled, false);
			assert.equal((await store.accounts.get('a@example.com'))?.enabled, false);
			assert.equal((await accounts.setEnabled(withPool, 'a@example.com', true)).health, 'active');

			await accounts.upsert(withPool, record('b@example.com'));
			assert.deepEqual(
				pool.snapshot().map(s => s.email),
				['a@example.com', 'b@example.com'],
			);
			const listed = await accounts.list(withPool);
			assert.deepEqual(
				listed.map(a => [a.email, a.health, a.requestsServed, a.inFlight]),
				[
					['a@example.com', 'active', 0, 0],
					['b@example.com', 'active', 0, 0],
				],
			);
			await accounts.remove(withPool, 'a@example.com');
			assert.deepEqual(
				pool.snapshot().map(s => s.email),
				['b@example.com'],
			);
			await assert.rejects(accounts.setEnabled(withPool, 'a@example.com', true), NotFoundError);
		} finally {
			pool.close();
		}
	});

	test('verify runs the verifier and passes its verdicts on', async () => {
		const verdicts: AccountVerdict[] = [{email: 'a@example.com', enabled: true, kind: 'ok', detail: 'project p, tier free-tier, 7 models'}];
		const {ctx} = context({verifyAccounts: async () => verdicts});
		assert.deepEqual(await accounts.verify(ctx), verdicts);
	});
});
