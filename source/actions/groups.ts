// Model groups: an alias clients ask for (`"model": "fast"`) that agproxy serves with one of its member models, in
// order (priority) or by weight (random). A group is global or belongs to one user; a user's group shadows a global one
// with the same alias. Members are models agproxy serves, never other aliases (groups do not nest). Member order is a
// 1-based position, kept dense (1..n) after every change.
import {type GroupMember, type GroupRecord, type GroupStrategy, StoreConflictError} from '../store/types.js';
import {type ActionContext, nowOf} from './context.js';
import {ConflictError, InvalidError, NotFoundError, UnavailableError} from './errors.js';
import {validateUserName} from './users.js';

export const GROUP_STRATEGIES: readonly GroupStrategy[] = ['priority', 'random'];
export const ALIAS_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
export const MAX_WEIGHT = 1000;
export const MAX_MEMBERS = 32;

export type GroupMemberView = GroupMember & {/** false when agproxy no longer serves the model (the member is skipped) */ served: boolean};

export type GroupView = {alias: string; owner?: string; strategy: GroupStrategy; members: GroupMemberView[]; createdAt: string};

export type GroupTestResult =
	| {ok: true; alias: string; owner?: string; model: string; text: string; latencyMs: number}
	| {ok: false; alias: string; owner?: string; error: string; latencyMs: number};

type OwnerOption = {owner?: string | undefined};

export function validateAlias(alias: string): string {
	if (!ALIAS_PATTERN.test(alias)) {
		throw new InvalidError(`invalid group alias '${alias}': use 1-64 characters of a-z, 0-9, '.', '_', ':' and '-', starting with a letter or digit`);
	}
	return alias;
}

function validateStrategy(strategy: string): GroupStrategy {
	if (!(GROUP_STRATEGIES as readonly string[]).includes(strategy)) throw new InvalidError(`invalid strategy '${strategy}': expected ${GROUP_STRATEGIES.join(' or ')}`);
	return strategy as GroupStrategy;
}

function validateOrder(order: number): number {
	if (!Number.isInteger(order) || order < 1) throw new InvalidError(`invalid order ${String(order)}: expected a position from 1`);
	return order;
}

function validateWeight(weight: number): number {
	if (!Number.isFinite(weight) || weight <= 0 || weight > MAX_WEIGHT) throw new InvalidError(`invalid weight ${String(weight)}: expected a number above 0 and at most ${MAX_WEIGHT}`);
	return weight;
}

const ownerLabel = (owner: string | undefined): string => (owner === undefined ? '' : ` of user '${owner}'`);
const userFlag = (owner: string | undefined): string => (owner === undefined ? '' : ` --user ${owner}`);

/** The owner, checked: a well-formed name of an existing user. */
function checkOwner(ctx: ActionContext, owner: string | undefined): string | undefined {
	if (owner === undefined) return undefined;
	validateUserName(owner);
	if (ctx.store.users.get(owner) === undefined) throw new NotFoundError(`no user '${owner}' (see agproxy users list)`);
	return owner;
}

function find(ctx: ActionContext, alias: string, owner: string | undefined): GroupRecord {
	validateAlias(alias);
	checkOwner(ctx, owner);
	const group = ctx.store.groups.get(alias, owner);
	if (group === undefined) throw new NotFoundError(`no group '${alias}'${ownerLabel(owner)} (see agproxy groups list)`);
	return group;
}

function isServed(ctx: ActionContext, model: string): boolean {
	const served = ctx.servedModels();
	if (served.has(model)) return true;
	const lower = model.toLowerCase();
	for (const id of served) if (id.toLowerCase() === lower) return true;
	return false;
}

function isAlias(ctx: ActionContext, name: string): boolean {
	const lower = name.toLowerCase();
	return ctx.store.groups.list().some(group => group.alias === lower);
}

function view(ctx: ActionContext, group: GroupRecord): GroupView {
	const served = ctx.servedModels();
	return {
		alias: group.alias,
		...(group.owner === undefined ? {} : {owner: group.owner}),
		strategy: group.strategy,
		members: [...group.members].sort((a, b) => a.order - b.order).map(member => ({model: member.model, order: member.order, weight: member.weight, served: served.has(member.model)})),
		createdAt: group.createdAt,
	};
}

function sorted(members: readonly GroupMember[]): GroupMember[] {
	return [...members].sort((a, b) => a.order - b.order);
}

/** Positions 1..n in list order. */
function renumbered(members: readonly GroupMember[]): GroupMember[] {
	return members.map((member, index) => ({...member, order: index + 1}));
}

function save(ctx: ActionContext, group: GroupRecord, patch: Partial<Pick<GroupRecord, 'strategy' | 'members'>>): GroupView {
	const updated = ctx.store.groups.update(group.alias, group.owner, patch);
	if (updated === undefined) throw new NotFoundError(`no group '${group.alias}'${ownerLabel(group.owner)} (see agproxy groups list)`);
	return view(ctx, updated);
}

export function create(ctx: ActionContext, alias: string, options: {strategy: GroupStrategy} & OwnerOption): GroupView {
	validateAlias(alias);
	const strategy = validateStrategy(options.strategy);
	if (isServed(ctx, alias)) throw new InvalidError(`'${alias}' is a model agproxy serves: a group alias must be a name of its own`);
	const owner = checkOwner(ctx, options.owner);
	if (ctx.store.groups.get(alias, owner) !== undefined) throw new ConflictError(`group '${alias}'${ownerLabel(owner)} already exists`);
	const record: Omit<GroupRecord, 'members'> = {alias, strategy, createdAt: new Date(nowOf(ctx)).toISOString(), ...(owner === undefined ? {} : {owner})};
	try {
		ctx.store.groups.create(record);
	} catch (error) {
		if (error instanceof StoreConflictError) throw new ConflictError(`group '${alias}'${ownerLabel(owner)} already exists`);
		throw error;
	}
	return view(ctx, {...record, members: []});
}

/**
 * Adds a served model to the group: at `order` (1-based; later members move down) or at the end.
 * Refused: models agproxy does not serve, other aliases (no nesting), a model already in the group.
 */
export function addMember(ctx: ActionContext, alias: string, model: string, options: {order?: number | undefined; weight?: number | undefined} & OwnerOption = {}): GroupView {
	const group = find(ctx, alias, options.owner);
	if (model.trim() === '' || model.length > 128) throw new InvalidError(`invalid model '${model}'`);
	if (isAlias(ctx, model)) throw new InvalidError(`'${model}' is a group alias: a group's members are models, groups do not nest`);
	const served = ctx.servedModels();
	if (!served.has(model)) {
		const known = [...served].sort();
		throw new InvalidError(`unknown model '${model}': agproxy does not serve it${known.length === 0 ? '' : ` (served: ${known.join(', ')})`}`);
	}
	const order = options.order === undefined ? undefined : validateOrder(options.order);
	const weight = options.weight === undefined ? 1 : validateWeight(options.weight);
	const members = sorted(group.members);
	if (members.some(member => member.model === model)) throw new ConflictError(`'${model}' is already in group '${alias}'${ownerLabel(group.owner)}`);
	if (members.length >= MAX_MEMBERS) throw new InvalidError(`group '${alias}' has ${MAX_MEMBERS} members already`);
	const position = Math.min(order ?? members.length + 1, members.length + 1) - 1;
	members.splice(position, 0, {model, order: 0, weight});
	return save(ctx, group, {members: renumbered(members)});
}

export function removeMember(ctx: ActionContext, alias: string, model: string, options: OwnerOption = {}): GroupView {
	const group = find(ctx, alias, options.owner);
	const members = sorted(group.members);
	const index = members.findIndex(member => member.model === model);
	if (index < 0) throw new NotFoundError(`'${model}' is not in group '${alias}'${ownerLabel(group.owner)}`);
	members.splice(index, 1);
	return save(ctx, group, {members: renumbered(members)});
}

/** Sets a member's weight (used by the random strategy; kept under priority so that switching keeps it). */
export function setWeight(ctx: ActionContext, alias: string, model: string, weight: number, options: OwnerOption = {}): GroupView {
	const group = find(ctx, alias, options.owner);
	validateWeight(weight);
	const members = sorted(group.members);
	const index = members.findIndex(member => member.model === model);
	const member = members[index];
	if (member === undefined) throw new NotFoundError(`'${model}' is not in group '${alias}'${ownerLabel(group.owner)}`);
	members[index] = {...member, weight};
	return save(ctx, group, {members});
}

/** Moves a member to a 1-based position (past the end = last). */
export function moveMember(ctx: ActionContext, alias: string, model: string, order: number, options: OwnerOption = {}): GroupView {
	const group = find(ctx, alias, options.owner);
	validateOrder(order);
	const members = sorted(group.members);
	const index = members.findIndex(member => member.model === model);
	if (index < 0) throw new NotFoundError(`'${model}' is not in group '${alias}'${ownerLabel(group.owner)}`);
	const [member] = members.splice(index, 1);
	if (member !== undefined) members.splice(Math.min(order, members.length + 1) - 1, 0, member);
	return save(ctx, group, {members: renumbered(members)});
}

/** All groups (global first, then per user), or only one user's. */
export function list(ctx: ActionContext, options: OwnerOption = {}): GroupView[] {
	const owner = checkOwner(ctx, options.owner);
	return ctx.store.groups
		.list()
		.filter(group => options.owner === undefined || group.owner === owner)
		.sort((a, b) => (a.owner === undefined ? 0 : 1) - (b.owner === undefined ? 0 : 1) || (a.owner ?? '').localeCompare(b.owner ?? '') || a.alias.localeCompare(b.alias))
		.map(group => view(ctx, group));
}

export function get(ctx: ActionContext, alias: string, options: OwnerOption = {}): GroupView {
	return view(ctx, find(ctx, alias, options.owner));
}

export function remove(ctx: ActionContext, alias: string, options: OwnerOption = {}): {removed: string; owner?: string} {
	const group = find(ctx, alias, options.owner);
	if (!ctx.store.groups.remove(group.alias, group.owner)) throw new NotFoundError(`no group '${alias}'${ownerLabel(group.owner)} (see agproxy groups list)`);
	return {removed: group.alias, ...(group.owner === undefined ? {} : {owner: group.owner})};
}

export function setStrategy(ctx: ActionContext, alias: string, strategy: GroupStrategy, options: OwnerOption = {}): GroupView {
	const group = find(ctx, alias, options.owner);
	return save(ctx, group, {strategy: validateStrategy(strategy)});
}

/** One tiny Messages request to the alias through the running server; says which member answered. */
export async function test(ctx: ActionContext, alias: string, options: OwnerOption & {signal?: AbortSignal | undefined} = {}): Promise<GroupTestResult> {
	const group = find(ctx, alias, options.owner);
	if (ctx.testGroup === undefined) throw new UnavailableError('groups test needs a running agproxy server that can send requests, and this one cannot');
	if (group.members.length === 0) throw new InvalidError(`group '${alias}'${ownerLabel(group.owner)} has no members: add one with agproxy groups add ${alias} <model>${userFlag(group.owner)}`);
	const owner = group.owner === undefined ? {} : {owner: group.owner};
	const started = nowOf(ctx);
	try {
		const answer = await ctx.testGroup({alias: group.alias, ...owner, ...(options.signal === undefined ? {} : {signal: options.signal})});
		return {ok: true, alias: group.alias, ...owner, model: answer.model, text: answer.text.slice(0, 500), latencyMs: Math.max(0, nowOf(ctx) - started)};
	} catch (error) {
		return {ok: false, alias: group.alias, ...owner, error: error instanceof Error ? error.message : String(error), latencyMs: Math.max(0, nowOf(ctx) - started)};
	}
}
