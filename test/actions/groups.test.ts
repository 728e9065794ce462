// Model groups through the actions layer: alias rules (and no clash with a served model), strategies, owners and
// shadowing, members (unknown models refused, no nesting, order and weight), move, list, delete, test.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {ConflictError, InvalidError, NotFoundError, UnavailableError} from '../../source/actions/errors.js';
import * as groups from '../../source/actions/groups.js';
import * as users from '../../source/actions/users.js';
import type {GroupStrategy} from '../../source/store/types.js';
import {context} from '../admin/helpers.js';

const members = (view: groups.GroupView): Array<[string, number, number]> => view.members.map(m => [m.model, m.order, m.weight]);

describe('groups actions', () => {
	test('create: alias rules, strategies, no clash with a served model, conflicts', () => {
		const {ctx} = context();
		const fast = groups.create(ctx, 'fast', {strategy: 'priority'});
		assert.deepEqual(fast, {alias: 'fast', strategy: 'priority', members: [], createdAt: '2026-05-01T12:00:00.000Z'});
		assert.equal(groups.create(ctx, 'claude-opus-4-8', {strategy: 'random'}).strategy, 'random');
		for (const bad of ['', 'Fast', '-x', 'a b', 'x'.repeat(65), 'a/b']) assert.throws(() => groups.create(ctx, bad, {strategy: 'priority'}), InvalidError, bad);
		assert.throws(() => groups.create(ctx, 'x', {strategy: 'roundrobin' as GroupStrategy}), /invalid strategy 'roundrobin': expected priority or random/);
		assert.throws(() => groups.create(ctx, 'gemini-3-flash', {strategy: 'priority'}), /'gemini-3-flash' is a model agproxy serves/);
		assert.throws(() => groups.create(ctx, 'fast', {strategy: 'random'}), ConflictError);
	});

	test('owners: must exist; a user group may shadow a global alias; delete with the user', () => {
		const {ctx} = context();
		groups.create(ctx, 'fast', {strategy: 'priority'});
		assert.throws(() => groups.create(ctx, 'fast', {strategy: 'priority', owner: 'bob'}), NotFoundError);
		assert.throws(() => groups.create(ctx, 'fast', {strategy: 'priority', owner: 'Bob'}), InvalidError);
		users.create(ctx, 'bob');
		const own = groups.create(ctx, 'fast', {strategy: 'random', owner: 'bob'});
		assert.equal(own.owner, 'bob');
		assert.throws(() => groups.create(ctx, 'fast', {strategy: 'random', owner: 'bob'}), /group 'fast' of user 'bob' already exists/);
		assert.deepEqual(
			groups.list(ctx).map(g => [g.alias, g.owner ?? '-']),
			[
				['fast', '-'],
				['fast', 'bob'],
			],
		);
		assert.deepEqual(
			groups.list(ctx, {owner: 'bob'}).map(g => g.owner),
			['bob'],
		);
		assert.throws(() => groups.list(ctx, {owner: 'carol'}), NotFoundError);
	});

	test('addMember: served models only, no other alias, no duplicates; order inserts, weight defaults to 1', () => {
		const {ctx} = context();
		groups.create(ctx, 'fast', {strategy: 'priority'});
		groups.create(ctx, 'smart', {strategy: 'random'});
		assert.deepEqual(members(groups.addMember(ctx, 'fast', 'gemini-3-flash')), [['gemini-3-flash', 1, 1]]);
		assert.deepEqual(members(groups.addMember(ctx, 'fast', 'claude-sonnet-4-6', {order: 1})), [
			['claude-sonnet-4-6', 1, 1],
			['gemini-3-flash', 2, 1],
		]);
		assert.deepEqual(members(groups.addMember(ctx, 'fast', 'gemini-2.5-pro', {order: 99, weight: 2.5})), [
			['claude-sonnet-4-6', 1, 1],
			['gemini-3-flash', 2, 1],
			['gemini-2.5-pro', 3, 2.5],
		]);
		assert.throws(
			() => groups.addMember(ctx, 'smart', 'gpt-5'),
			(error: unknown) =>
				error instanceof InvalidError && error.message === "unknown model 'gpt-5': agproxy does not serve it (served: claude-sonnet-4-6, gemini-2.5-pro, gemini-3-flash)",
		);
		assert.throws(() => groups.addMember(ctx, 'smart', 'fast'), /'fast' is a group alias: a group's members are models, groups do not nest/);
		assert.throws(() => groups.addMember(ctx, 'fast', 'gemini-3-flash'), ConflictError);
		assert.throws(() => groups.addMember(ctx, 'fast', 'gemini-3-flash', {order: 0}), InvalidError);
		assert.throws(() => groups.addMember(ctx, 'smart', 'gemini-3-flash', {weight: 0}), /invalid weight 0/);
		assert.throws(() => groups.addMember(ctx, 'smart', 'gemini-3-flash', {weight: Number.NaN}), InvalidError);
		assert.throws(() => groups.addMember(ctx, 'nope', 'gemini-3-flash'), /no group 'nope'/);
		assert.equal(groups.get(ctx, 'smart').members.length, 0, 'refused changes leave the group alone');
	});

	test('removeMember and moveMember keep positions dense; list marks members no longer served', () => {
		let served: ReadonlySet<string> = new Set(['a-1', 'b-2', 'c-3', 'd-4']);
		const {ctx} = context({servedModels: () => served});
		groups.create(ctx, 'g', {strategy: 'priority'});
		for (const model of ['a-1', 'b-2', 'c-3', 'd-4']) groups.addMember(ctx, 'g', model);
		assert.deepEqual(
			members(groups.moveMember(ctx, 'g', 'd-4', 1)).map(([m, o]) => `${o}.${m}`),
			['1.d-4', '2.a-1', '3.b-2', '4.c-3'],
		);
		assert.deepEqual(
			members(groups.moveMember(ctx, 'g', 'd-4', 50)).map(([m, o]) => `${o}.${m}`),
			['1.a-1', '2.b-2', '3.c-3', '4.d-4'],
		);
		assert.deepEqual(
			members(groups.moveMember(ctx, 'g', 'a-1', 3)).map(([m, o]) => `${o}.${m}`),
			['1.b-2', '2.c-3', '3.a-1', '4.d-4'],
		);
		assert.deepEqual(
			members(groups.removeMember(ctx, 'g', 'c-3')).map(([m, o]) => `${o}.${m}`),
			['1.b-2', '2.a-1', '3.d-4'],
		);
		assert.throws(() => groups.removeMember(ctx, 'g', 'c-3'), /'c-3' is not in group 'g'/);
		assert.throws(() => groups.moveMember(ctx, 'g', 'c-3', 1), NotFoundError);
		assert.throws(() => groups.moveMember(ctx, 'g', 'a-1', 0), InvalidError);
		served = new Set(['a-1', 'b-2']);
		assert.deepEqual(
			groups.list(ctx)[0]?.members.map(m => [m.model, m.served]),
			[
				['b-2', true],
				['a-1', true],
				['d-4', false],
			],
		);
	});

	test('setStrategy and remove', () => {
		const {ctx, store} = context();
		users.create(ctx, 'bob');
		groups.create(ctx, 'g', {strategy: 'priority'});
		groups.create(ctx, 'g', {strategy: 'priority', owner: 'bob'});
		assert.equal(groups.setStrategy(ctx, 'g', 'random', {owner: 'bob'}).strategy, 'random');
		assert.equal(store.groups.get('g')?.strategy, 'priority');
		assert.throws(() => groups.setStrategy(ctx, 'g', 'best' as GroupStrategy), InvalidError);
		assert.deepEqual(groups.remove(ctx, 'g', {owner: 'bob'}), {removed: 'g', owner: 'bob'});
		assert.throws(() => groups.remove(ctx, 'g', {owner: 'bob'}), NotFoundError);
		assert.deepEqual(groups.remove(ctx, 'g'), {removed: 'g'});
		assert.deepEqual(groups.list(ctx), []);
	});

	test('test: needs a tester (the server); reports the member that answered, or the failure', async () => {
		const {ctx, clock} = context();
		users.create(ctx, 'bob');
		groups.create(ctx, 'fast', {strategy: 'priority'});
		groups.create(ctx, 'fast', {strategy: 'priority', owner: 'bob'});
		await assert.rejects(groups.test(ctx, 'fast'), UnavailableError);
		const calls: Array<{alias: string; owner?: string}> = [];
		const tester = async (input: {alias: string; owner?: string}): Promise<{model: string; text: string}> => {
			calls.push({alias: input.alias, ...(input.owner === undefined ? {} : {owner: input.owner})});
			clock.t += 120;
			if (input.owner === 'bob') throw new Error('every member failed: gemini-3-flash: 429 quota exhausted');
			return {model: 'gemini-3-flash', text: 'Hello!'};
		};
		const withTester = {...ctx, testGroup: tester};
		await assert.rejects(groups.test(withTester, 'fast'), /group 'fast' has no members/);
		groups.addMember(ctx, 'fast', 'gemini-3-flash');
		groups.addMember(ctx, 'fast', 'gemini-3-flash', {owner: 'bob'});
		assert.deepEqual(await groups.test(withTester, 'fast'), {ok: true, alias: 'fast', model: 'gemini-3-flash', text: 'Hello!', latencyMs: 120});
		assert.deepEqual(await groups.test(withTester, 'fast', {owner: 'bob'}), {
			ok: false,
			alias: 'fast',
			owner: 'bob',
			error: 'every member failed: gemini-3-flash: 429 quota exhausted',
			latencyMs: 120,
		});
		await assert.rejects(groups.test(withTester, 'slow'), NotFoundError);
		assert.deepEqual(calls, [{alias: 'fast'}, {alias: 'fast', owner: 'bob'}]);
	});
});
