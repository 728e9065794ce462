// Users and keys through the actions layer over the in-memory store: create (key format, only the hash stored), name
// rules, conflicts, list with usage today and all-time, rotate (old key dead at once), disable, delete.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {describe, test} from 'node:test';
import {ConflictError, InvalidError, NotFoundError} from '../../source/actions/errors.js';
import * as groups from '../../source/actions/groups.js';
import {recordUsage} from '../../source/actions/usage.js';
import * as users from '../../source/actions/users.js';
import {DAY, T0, context} from '../admin/helpers.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('users actions', () => {
	test('create: sk-agp- + 32 random bytes base64url, stored only as sha256 hex and a display prefix', () => {
		const {ctx, store} = context();
		const {user, key} = users.create(ctx, 'alice');
		assert.match(key, /^sk-agp-[A-Za-z0-9_-]{43}$/);
		assert.equal(Buffer.from(key.slice('sk-agp-'.length), 'base64url').length, 32);
		const stored = store.users.get('alice');
		assert.ok(stored);
		assert.equal(stored.keyHash, sha256(key));
		assert.equal(stored.keyPrefix, key.slice(0, 11));
		assert.equal(stored.admin, false);
		assert.equal(stored.disabled, false);
		assert.equal(stored.createdAt, new Date(T0).toISOString());
		assert.ok(!JSON.stringify(stored).includes(key.slice(11)), 'the key itself is not stored');
		assert.deepEqual(Object.keys(user).sort(), ['admin', 'createdAt', 'disabled', 'keyPrefix', 'name', 'usage']);
		assert.equal(store.users.byKeyHash(sha256(key))?.name, 'alice');

		const admin = users.create(ctx, 'root', {admin: true});
		assert.equal(admin.user.admin, true);
		assert.notEqual(admin.key, key);
	});

	test('names: [a-z0-9][a-z0-9._-]{0,31}', () => {
		const {ctx} = context();
		for (const good of ['a', '0', 'bob.smith', 'ci_bot-2', 'x'.repeat(32)]) assert.equal(users.create(ctx, good).user.name, good);
		for (const bad of ['', 'Alice', '-bob', '.x', '_x', 'a b', 'x'.repeat(33), 'ünï', 'a/b', 'a\n']) {
			assert.throws(() => users.create(ctx, bad), InvalidError, bad);
		}
		assert.throws(() => users.create(ctx, 'Bob'), /invalid user name 'Bob': use 1-32 characters/);
	});

	test('a second user with the same name is a conflict; unknown names are not found', () => {
		const {ctx} = context();
		users.create(ctx, 'alice');
		assert.throws(() => users.create(ctx, 'alice'), ConflictError);
		assert.throws(() => users.rotate(ctx, 'bob'), NotFoundError);
		assert.throws(() => users.remove(ctx, 'bob'), /no user 'bob'/);
		assert.throws(() => users.setDisabled(ctx, 'bob', true), NotFoundError);
		assert.throws(() => users.get(ctx, 'bob'), NotFoundError);
	});

	test('rotate: a new key; the old one is dead at once', () => {
		const {ctx, store} = context();
		const first = users.create(ctx, 'alice');
		const second = users.rotate(ctx, 'alice');
		assert.notEqual(second.key, first.key);
		assert.match(second.key, /^sk-agp-/);
		assert.equal(store.users.byKeyHash(sha256(first.key)), undefined);
		assert.equal(store.users.byKeyHash(sha256(second.key))?.name, 'alice');
		assert.equal(second.user.keyPrefix, second.key.slice(0, 11));
	});

	test('disable and enable', () => {
		const {ctx, store} = context();
		users.create(ctx, 'alice');
		assert.equal(users.setDisabled(ctx, 'alice', true).disabled, true);
		assert.equal(store.users.get('alice')?.disabled, true);
		assert.equal(users.setDisabled(ctx, 'alice', false).disabled, false);
	});

	test('remove: the user and their groups go, their usage stays', () => {
		const {ctx, store} = context();
		users.create(ctx, 'alice');
		groups.create(ctx, 'fast', {strategy: 'priority', owner: 'alice'});
		groups.create(ctx, 'fast', {strategy: 'priority'});
		recordUsage(store, {user: 'alice', model: 'gemini-3-flash', usage: {inputTokens: 5}, at: T0});
		assert.deepEqual(users.remove(ctx, 'alice'), {removed: 'alice'});
		assert.equal(store.users.get('alice'), undefined);
		assert.deepEqual(
			store.groups.list().map(g => [g.alias, g.owner]),
			[['fast', undefined]],
		);
		assert.equal(store.usage.list({user: 'alice'}).length, 1);
		assert.deepEqual(users.list(ctx), []);
	});

	test('list: by name, no hashes, usage today (UTC) and all-time', () => {
		const {ctx, store, clock} = context();
		users.create(ctx, 'bob');
		users.create(ctx, 'alice');
		recordUsage(store, {user: 'alice', model: 'gemini-3-flash', usage: {inputTokens: 100, outputTokens: 10, cachedTokens: 50}, at: T0 - 2 * DAY});
		recordUsage(store, {user: 'alice', model: 'gemini-3-flash', usage: {inputTokens: 7, outputTokens: 3}, at: T0});
		recordUsage(store, {user: 'alice', model: 'claude-sonnet-4-6', usage: {inputTokens: 1, outputTokens: 2, cachedTokens: 1}, error: true, at: T0 + 1000});
		recordUsage(store, {user: '', model: 'gemini-3-flash', usage: {inputTokens: 1000}, at: T0});
		const listed = users.list(ctx);
		assert.deepEqual(
			listed.map(u => u.name),
			['alice', 'bob'],
		);
		assert.ok(!JSON.stringify(listed).includes('keyHash'));
		const alice = listed[0];
		assert.deepEqual(alice?.usage.today, {requests: 2, inputTokens: 8, outputTokens: 5, cachedTokens: 1, errors: 1});
		assert.deepEqual(alice?.usage.total, {requests: 3, inputTokens: 108, outputTokens: 15, cachedTokens: 51, errors: 1});
		// Last use is noted at most once a minute: the request a second later did not write it again.
		assert.equal(alice?.lastUsedAt, new Date(T0).toISOString());
		assert.equal(listed[1]?.lastUsedAt, undefined);
		assert.deepEqual(listed[1]?.usage.total, {requests: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, errors: 0});
		// A day later, "today" is empty and the total is the same.
		clock.t = T0 + DAY;
		assert.deepEqual(users.list(ctx)[0]?.usage.today.requests, 0);
		assert.deepEqual(users.list(ctx)[0]?.usage.total.requests, 3);
		assert.equal(users.get(ctx, 'alice').usage.total.inputTokens, 108);
	});
});
