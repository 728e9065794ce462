// Every action by name, with its argument validator: the admin API is one generic endpoint over this table, the CLI
// calls the same names locally or through it, and the dashboard will too. Arguments are validated here for every
// caller alike (unknown fields refused); domain rules (names, known models) are checked by the actions themselves.
import type {AccountRecord} from '../accounts/types.js';
import * as accounts from './accounts.js';
import type {ActionContext} from './context.js';
import {InvalidError} from './errors.js';
import * as groups from './groups.js';
import * as users from './users.js';
import {type Parser, boolean, integer, number, object, oneOf, optional, string} from './validate.js';

export type RunOptions = {signal?: AbortSignal | undefined};

export type ActionSpec<A, R> = {
	/** Changes stored data: the store is flushed before the admin API answers. */
	mutates: boolean;
	/** May take long (upstream calls): clients wait longer for it. */
	slow?: boolean;
	args: Parser<A>;
	run: (ctx: ActionContext, args: A, options: RunOptions) => R | Promise<R>;
};

function define<A, R>(args: Parser<A>, spec: Omit<ActionSpec<A, R>, 'args'>): ActionSpec<A, R> {
	return {...spec, args};
}

const name = string({max: 64});
const alias = string({max: 128});
const model = string({max: 128});
const email = string({max: 320});
const owner = optional(string({max: 64}));
const strategy = oneOf(groups.GROUP_STRATEGIES);
const none = object({});

const accountRecord = object({
	email,
	refreshToken: string({max: 8192}),
	projectId: optional(string({max: 256})),
	tier: optional(string({max: 128})),
	enabled: optional(boolean()),
	invalid: optional(object({reason: string({max: 2000}), at: string({max: 64}), url: optional(string({max: 2000}))})),
	addedAt: optional(string({max: 64})),
});

export const ACTIONS = {
	'users.create': define(object({name, admin: optional(boolean())}), {
		mutates: true,
		run: (ctx, a) => users.create(ctx, a.name, {admin: a.admin === true}),
	}),
	'users.list': define(none, {mutates: false, run: ctx => users.list(ctx)}),
	'users.rotate': define(object({name}), {mutates: true, run: (ctx, a) => users.rotate(ctx, a.name)}),
	'users.remove': define(object({name}), {mutates: true, run: (ctx, a) => users.remove(ctx, a.name)}),
	'users.setDisabled': define(object({name, disabled: boolean()}), {
		mutates: true,
		run: (ctx, a) => users.setDisabled(ctx, a.name, a.disabled),
	}),

	'groups.create': define(object({alias, strategy, owner}), {
		mutates: true,
		run: (ctx, a) => groups.create(ctx, a.alias, {strategy: a.strategy, owner: a.owner}),
	}),
	'groups.addMember': define(object({alias, model, order: optional(integer({min: 1, max: 1000})), weight: optional(number({above: 0, max: groups.MAX_WEIGHT})), owner}), {
		mutates: true,
		run: (ctx, a) => groups.addMember(ctx, a.alias, a.model, {order: a.order, weight: a.weight, owner: a.owner}),
	}),
	'groups.removeMember': define(object({alias, model, owner}), {
		mutates: true,
		run: (ctx, a) => groups.removeMember(ctx, a.alias, a.model, {owner: a.owner}),
	}),
	'groups.moveMember': define(object({alias, model, order: integer({min: 1, max: 1000}), owner}), {
		mutates: true,
		run: (ctx, a) => groups.moveMember(ctx, a.alias, a.model, a.order, {owner: a.owner}),
	}),
	'groups.setWeight': define(object({alias, model, weight: number({above: 0, max: groups.MAX_WEIGHT}), owner}), {
		mutates: true,
		run: (ctx, a) => groups.setWeight(ctx, a.alias, a.model, a.weight, {owner: a.owner}),
	}),
	'groups.list': define(object({owner}), {mutates: false, run: (ctx, a) => groups.list(ctx, {owner: a.owner})}),
	'groups.remove': define(object({alias, owner}), {mutates: true, run: (ctx, a) => groups.remove(ctx, a.alias, {owner: a.owner})}),
	'groups.setStrategy': define(object({alias, strategy, owner}), {
		mutates: true,
		run: (ctx, a) => groups.setStrategy(ctx, a.alias, a.strategy, {owner: a.owner}),
	}),
	'groups.test': define(object({alias, owner}), {
		mutates: false,
		slow: true,
		run: (ctx, a, options) => groups.test(ctx, a.alias, {owner: a.owner, signal: options.signal}),
	}),

	'accounts.list': define(none, {mutates: false, run: ctx => accounts.list(ctx)}),
	'accounts.setEnabled': define(object({email, enabled: boolean()}), {
		mutates: true,
		run: (ctx, a) => accounts.setEnabled(ctx, a.email, a.enabled),
	}),
	'accounts.remove': define(object({email}), {mutates: true, run: (ctx, a) => accounts.remove(ctx, a.email)}),
	'accounts.setClientVersion': define(object({email, version: optional(string({max: 32}))}), {
		mutates: true,
		run: (ctx, a) => accounts.setClientVersion(ctx, a.email, a.version),
	}),
	'accounts.upsert': define(object({record: accountRecord}), {
		mutates: true,
		run: (ctx, a) => {
			const record: AccountRecord = {...a.record, enabled: a.record.enabled ?? true, addedAt: a.record.addedAt ?? new Date(ctx.now?.() ?? Date.now()).toISOString()};
			return accounts.upsert(ctx, record);
		},
	}),
	'accounts.verify': define(none, {mutates: true, slow: true, run: (ctx, _a, options) => accounts.verify(ctx, {signal: options.signal})}),
};

export type Actions = typeof ACTIONS;
export type ActionName = keyof Actions;
export type ActionArgs<N extends ActionName> = Parameters<Actions[N]['run']>[1];
export type ActionResult<N extends ActionName> = Awaited<ReturnType<Actions[N]['run']>>;

export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

export function isActionName(value: unknown): value is ActionName {
	return typeof value === 'string' && Object.hasOwn(ACTIONS, value);
}

/** Validates the arguments and runs the action. Throws ActionError subclasses for anything the caller did wrong. */
export async function runAction<N extends ActionName>(ctx: ActionContext, action: N, args: unknown, options: RunOptions = {}): Promise<ActionResult<N>> {
	if (!isActionName(action)) throw new InvalidError(`unknown action '${String(action)}'`);
	const spec = ACTIONS[action] as unknown as ActionSpec<unknown, ActionResult<N>>;
	const parsed = spec.args(args, '');
	return await spec.run(ctx, parsed, options);
}

/** Whether the action changes stored data (and so needs a flush before its answer). */
export function mutates(action: ActionName): boolean {
	return ACTIONS[action].mutates;
}

export function isSlow(action: ActionName): boolean {
	const spec: {slow?: boolean} = ACTIONS[action];
	return spec.slow === true;
}
