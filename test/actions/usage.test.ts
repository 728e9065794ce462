// Usage accounting: one row per (user, model, UTC day) whatever the number of requests, last-used noted at most once a
// minute, and the request-log hook that counts only finished POST /v1/messages.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {recordUsage} from '../../source/actions/usage.js';
import type {RequestRecord} from '../../source/events.js';
import {recordRequestUsage} from '../../source/http/auth.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import type {UsageRow} from '../../source/store/types.js';
import {DAY, T0} from '../admin/helpers.js';

function rows(store: MemoryDataStore): Array<Omit<UsageRow, 'day'> & {day: string}> {
	return store.usage.list();
}

describe('usage', () => {
	test('aggregated per user, model and UTC day', () => {
		const store = new MemoryDataStore();
		const midnight = Date.parse('2026-05-01T00:00:00Z');
		for (let i = 0; i < 50; i++) recordUsage(store, {user: 'alice', model: 'gemini-3-flash', usage: {inputTokens: 10, outputTokens: 2, cachedTokens: 1}, at: T0 + i});
		recordUsage(store, {user: 'alice', model: 'gemini-3-flash', usage: {inputTokens: 1}, error: true, at: midnight - 1});
		recordUsage(store, {user: 'alice', model: 'claude-sonnet-4-6', usage: {outputTokens: 5}, at: T0});
		recordUsage(store, {model: 'gemini-3-flash', usage: {inputTokens: 3}, at: T0});
		recordUsage(store, {user: 'bob', model: 'gemini-3-flash', usage: {inputTokens: -5, outputTokens: Number.NaN}, error: true, at: T0 + DAY});
		assert.deepEqual(rows(store), [
			{user: 'alice', model: 'gemini-3-flash', day: '2026-04-30', requests: 1, inputTokens: 1, outputTokens: 0, cachedTokens: 0, errors: 1},
			{user: '', model: 'gemini-3-flash', day: '2026-05-01', requests: 1, inputTokens: 3, outputTokens: 0, cachedTokens: 0, errors: 0},
			{user: 'alice', model: 'claude-sonnet-4-6', day: '2026-05-01', requests: 1, inputTokens: 0, outputTokens: 5, cachedTokens: 0, errors: 0},
			{user: 'alice', model: 'gemini-3-flash', day: '2026-05-01', requests: 50, inputTokens: 500, outputTokens: 100, cachedTokens: 50, errors: 0},
			{user: 'bob', model: 'gemini-3-flash', day: '2026-05-02', requests: 1, inputTokens: 0, outputTokens: 0, cachedTokens: 0, errors: 1},
		]);
		assert.equal(store.usage.list({user: 'alice', sinceDay: '2026-05-01'}).length, 2);
	});

	test('last use is written at most once a minute', () => {
		const store = new MemoryDataStore();
		store.users.create({name: 'alice', keyHash: 'h', keyPrefix: 'sk-agp-abcd', admin: false, disabled: false, createdAt: new Date(T0).toISOString()});
		const writes: string[] = [];
		const update = store.users.update.bind(store.users);
		store.users.update = (name, patch) => {
			writes.push(patch.lastUsedAt ?? '?');
			return update(name, patch);
		};
		for (let i = 0; i < 100; i++) recordUsage(store, {user: 'alice', model: 'm', at: T0 + i * 1000});
		assert.deepEqual(writes, [new Date(T0).toISOString(), new Date(T0 + 60_000).toISOString()]);
		recordUsage(store, {user: 'ghost', model: 'm', at: T0}); // a user deleted meanwhile: usage kept, nothing else
		assert.equal(store.usage.list({user: 'ghost'}).length, 1);
	});

	test('recordRequestUsage: finished POST /v1/messages only, errors counted, auth refusals not', () => {
		const store = new MemoryDataStore();
		const base: RequestRecord = {id: 'r', time: '', method: 'POST', path: '/v1/messages', status: 200, latencyMs: 5};
		assert.equal(recordRequestUsage(store, {...base, user: 'alice', modelAsked: 'fast', modelServed: 'gemini-3-flash', inputTokens: 4, outputTokens: 6, cachedTokens: 2}, T0), true);
		recordRequestUsage(store, {...base, status: 429, modelAsked: 'claude-opus-4-8'}, T0);
		recordRequestUsage(store, {...base, status: 401}, T0);
		recordRequestUsage(store, {...base, path: '/v1/messages/count_tokens', modelAsked: 'x'}, T0);
		recordRequestUsage(store, {...base, method: 'GET', path: '/v1/models'}, T0);
		recordRequestUsage(store, {...base, status: 400}, T0);
		assert.deepEqual(
			rows(store).map(r => [r.user, r.model, r.requests, r.inputTokens, r.outputTokens, r.cachedTokens, r.errors]),
			[
				['', 'claude-opus-4-8', 1, 0, 0, 0, 1],
				['', 'unknown', 1, 0, 0, 0, 1],
				['alice', 'gemini-3-flash', 1, 4, 6, 2, 0],
			],
		);
		const broken = new MemoryDataStore();
		broken.usage.record = () => {
			throw new Error('disk full');
		};
		assert.equal(recordRequestUsage(broken, base, T0), false, 'never throws into the event bus');
	});
});
