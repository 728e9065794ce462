import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {chooseModels, memberOrder} from '../../source/service/groups.js';
import type {GroupRecord} from '../../source/store/types.js';

const group = (alias: string, owner: string | undefined, strategy: GroupRecord['strategy'], members: Array<[string, number, number?]>): GroupRecord => ({
	alias,
	...(owner === undefined ? {} : {owner}),
	strategy,
	members: members.map(([model, order, weight]) => ({model, order, weight: weight ?? 1})),
	createdAt: '2026-11-24T00:00:00Z',
});

const repo = (groups: GroupRecord[]) => ({get: (alias: string, owner?: string) => groups.find(g => g.alias === alias && g.owner === owner)});

describe('model groups', () => {
	it('priority keeps the configured order', () => {
		assert.deepEqual(memberOrder(group('g', undefined, 'priority', [['b', 2], ['a', 1], ['c', 3]])), ['a', 'b', 'c']);
	});

	it('random is a weighted shuffle: heavier members come first more often, zero weight last', () => {
		const g = group('g', undefined, 'random', [['light', 1, 1], ['heavy', 2, 9], ['never', 3, 0]]);
		let seed = 1;
		const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
		const firsts = new Map<string, number>();
		for (let i = 0; i < 1000; i++) {
			const order = memberOrder(g, random);
			assert.equal(order.length, 3);
			assert.equal(order[2], 'never');
			firsts.set(order[0] ?? '', (firsts.get(order[0] ?? '') ?? 0) + 1);
		}
		assert.ok((firsts.get('heavy') ?? 0) > 800 && (firsts.get('light') ?? 0) > 50, JSON.stringify([...firsts]));
	});

	it("a user's group shadows the global one; others see the global one; plain models pass through", () => {
		const groups = repo([group('fast', undefined, 'priority', [['gemini-3-flash', 1]]), group('fast', 'ann', 'priority', [['claude-sonnet-4-6', 1], ['gemini-3-flash', 2]])]);
		assert.deepEqual(chooseModels(groups, 'fast', 'ann'), {alias: 'fast', candidates: ['claude-sonnet-4-6', 'gemini-3-flash']});
		assert.deepEqual(chooseModels(groups, 'fast', 'bob'), {alias: 'fast', candidates: ['gemini-3-flash']});
		assert.deepEqual(chooseModels(groups, 'fast', undefined), {alias: 'fast', candidates: ['gemini-3-flash']});
		assert.deepEqual(chooseModels(groups, 'claude-opus-4-8', 'ann'), {candidates: ['claude-opus-4-8']});
		assert.deepEqual(chooseModels(undefined, 'fast', 'ann'), {candidates: ['fast']});
	});
});
