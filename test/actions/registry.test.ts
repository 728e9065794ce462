// The action registry: every action has a validator that refuses wrong types and unknown fields, and runAction
// reaches every action with the same errors as the functions themselves.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {InvalidError, NotFoundError} from '../../source/actions/errors.js';
import {ACTIONS, ACTION_NAMES, isActionName, isSlow, mutates, runAction} from '../../source/actions/registry.js';
import {context} from '../admin/helpers.js';

describe('action registry', () => {
	test('names and flags', () => {
		assert.deepEqual([...ACTION_NAMES].sort(), [
			'accounts.list',
			'accounts.remove',
			'accounts.setClientVersion',
			'accounts.setEnabled',
			'accounts.upsert',
			'accounts.verify',
			'groups.addMember',
			'groups.create',
			'groups.list',
			'groups.moveMember',
			'groups.remove',
			'groups.removeMember',
			'groups.setStrategy',
			'groups.setWeight',
			'groups.test',
			'users.create',
			'users.list',
			'users.remove',
			'users.rotate',
			'users.setDisabled',
		]);
		assert.equal(isActionName('users.create'), true);
		assert.equal(isActionName('toString'), false);
		assert.equal(isActionName('__proto__'), false);
		assert.equal(mutates('users.list'), false);
		assert.equal(mutates('users.create'), true);
		assert.equal(isSlow('groups.test'), true);
		assert.equal(isSlow('users.create'), false);
		assert.equal(Object.keys(ACTIONS).length, ACTION_NAMES.length);
	});

	test('argument validation: types, required fields, unknown fields, enums, ranges', async () => {
		const {ctx} = context();
		const refused: Array<[string, unknown, RegExp]> = [
			['users.create', {}, /^name: expected a string, got undefined/],
			['users.create', {name: 5}, /^name: expected a string, got number 5/],
			['users.create', {name: 'a', admin: 'yes'}, /^admin: expected true or false/],
			['users.create', {name: 'a', adimn: true}, /^arguments: unknown field 'adimn'/],
			['users.create', 'alice', /^arguments: expected an object, got a string/],
			['users.create', [], /^arguments: expected an object, got an array/],
			['users.list', {all: true}, /unknown field 'all'/],
			['users.setDisabled', {name: 'a'}, /^disabled: expected true or false/],
			['groups.create', {alias: 'g', strategy: 'fastest'}, /^strategy: expected one of priority, random, got 'fastest'/],
			['groups.addMember', {alias: 'g', model: 'm', order: 1.5}, /^order: expected an integer/],
			['groups.addMember', {alias: 'g', model: 'm', order: 0}, /^order: expected 1 to 1000, got 0/],
			['groups.addMember', {alias: 'g', model: 'm', weight: 0}, /^weight: expected a number above 0/],
			['groups.addMember', {alias: 'g', model: 'm', weight: 'heavy'}, /^weight: expected a number/],
			['groups.moveMember', {alias: 'g', model: 'm'}, /^order: expected an integer, got undefined/],
			['accounts.setEnabled', {email: 'a@b.c', enabled: 1}, /^enabled: expected true or false/],
			['accounts.upsert', {record: {email: 'a@b.c'}}, /^record\.refreshToken: expected a string/],
			['accounts.upsert', {record: {email: 'a@b.c', refreshToken: 'x', password: 'y'}}, /^record: unknown field 'password'/],
			['users.create', {name: 'x'.repeat(65)}, /^name: longer than 64 characters/],
		];
		for (const [action, args, pattern] of refused) {
			await assert.rejects(runAction(ctx, action as 'users.create', args), (error: unknown) => error instanceof InvalidError && pattern.test(error.message), `${action} ${JSON.stringify(args)}`);
		}
		await assert.rejects(runAction(ctx, 'users.nuke' as 'users.create', {}), /unknown action 'users\.nuke'/);
		// null counts as absent for optional fields; undefined args = {}.
		assert.equal((await runAction(ctx, 'users.create', {name: 'a', admin: null})).user.admin, false);
		assert.deepEqual(
			(await runAction(ctx, 'users.list', undefined)).map(u => u.name),
			['a'],
		);
	});

	test('every action is reachable through runAction', async () => {
		const {ctx} = context({
			testGroup: async () => ({model: 'gemini-3-flash', text: 'hi'}),
			verifyAccounts: async () => [],
		});
		const created = await runAction(ctx, 'users.create', {name: 'alice', admin: true});
		assert.equal(created.user.admin, true);
		assert.equal((await runAction(ctx, 'users.rotate', {name: 'alice'})).user.name, 'alice');
		assert.equal((await runAction(ctx, 'users.setDisabled', {name: 'alice', disabled: true})).disabled, true);
		assert.equal((await runAction(ctx, 'users.list', {})).length, 1);
		assert.equal((await runAction(ctx, 'groups.create', {alias: 'g', strategy: 'priority', owner: 'alice'})).owner, 'alice');
		assert.equal((await runAction(ctx, 'groups.addMember', {alias: 'g', model: 'gemini-3-flash', owner: 'alice'})).members.length, 1);
		assert.equal((await runAction(ctx, 'groups.addMember', {alias: 'g', model: 'gemini-2.5-pro', order: 1, weight: 3, owner: 'alice'})).members[0]?.weight, 3);
		assert.equal((await runAction(ctx, 'groups.moveMember', {alias: 'g', model: 'gemini-2.5-pro', order: 2, owner: 'alice'})).members[1]?.model, 'gemini-2.5-pro');
		assert.equal((await runAction(ctx, 'groups.setStrategy', {alias: 'g', strategy: 'random', owner: 'alice'})).strategy, 'random');
		assert.deepEqual((await runAction(ctx, 'groups.setWeight', {alias: 'g', model: 'gemini-2.5-pro', weight: 7, owner: 'alice'})).members.map(m => [m.model, m.order, m.weight]), [['gemini-3-flash', 1, 1], ['gemini-2.5-pro', 2, 7]]);
		await assert.rejects(runAction(ctx, 'groups.setWeight', {alias: 'g', model: 'gemini-2.5-pro', weight: 0, owner: 'alice'}), InvalidError);
		await assert.rejects(runAction(ctx, 'groups.setWeight', {alias: 'g', model: 'claude-opus-4-6', weight: 2, owner: 'alice'}), NotFoundError);
		assert.equal((await runAction(ctx, 'groups.list', {owner: 'alice'})).length, 1);
		const tested = await runAction(ctx, 'groups.test', {alias: 'g', owner: 'alice'});
		assert.equal(tested.ok && tested.model, 'gemini-3-flash');
		assert.equal((await runAction(ctx, 'groups.removeMember', {alias: 'g', model: 'gemini-3-flash', owner: 'alice'})).members.length, 1);
		assert.deepEqual(await runAction(ctx, 'groups.remove', {alias: 'g', owner: 'alice'}), {removed: 'g', owner: 'alice'});
		const upserted = await runAction(ctx, 'accounts.upsert', {record: {email: 'a@example.com', refreshToken: '1//x'}});
		assert.deepEqual(upserted, {created: true, account: {email: 'a@example.com', enabled: true, addedAt: '2026-05-01T12:00:00.000Z'}});
		assert.equal((await runAction(ctx, 'accounts.setEnabled', {email: 'a@example.com', enabled: false})).enabled, false);
		assert.equal((await runAction(ctx, 'accounts.list', {})).length, 1);
		assert.deepEqual(await runAction(ctx, 'accounts.verify', {}), []);
		assert.deepEqual(await runAction(ctx, 'accounts.remove', {email: 'a@example.com'}), {removed: 'a@example.com'});
		assert.deepEqual(await runAction(ctx, 'users.remove', {name: 'alice'}), {removed: 'alice'});
		await assert.rejects(runAction(ctx, 'users.remove', {name: 'alice'}), NotFoundError);
	});
});
