// Users and their API keys. A key is `sk-agp-` + 32 random bytes (base64url); the store keeps only its sha256 (hex)
// and a short display prefix, so a key is shown exactly once, when it is created or rotated.
import {createHash, randomBytes} from 'node:crypto';
import {StoreConflictError, type UserRecord} from '../store/types.js';
import {type ActionContext, nowOf} from './context.js';
import {ConflictError, InvalidError, NotFoundError} from './errors.js';
import {type UsageTotals, emptyTotals, totalsByUser, utcDay} from './usage.js';

export const KEY_PREFIX = 'sk-agp-';
/** `sk-agp-` and the first 4 characters of the random part. */
export const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 4;
export const USER_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** A user as everyone but the store sees it: no key hash. */
export type UserView = {
	name: string;
	keyPrefix: string;
	admin: boolean;
	disabled: boolean;
	createdAt: string;
	lastUsedAt?: string;
	usage: {today: UsageTotals; total: UsageTotals};
};

export type UserWithKey = {user: UserView; key: string};

export function generateKey(): string {
	return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** sha256 hex: what the store keeps and looks keys up by. */
export function hashKey(key: string): string {
	return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function validateUserName(name: string): string {
	if (!USER_NAME_PATTERN.test(name)) {
		throw new InvalidError(`invalid user name '${name}': use 1-32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit`);
	}
	return name;
}

function view(record: UserRecord, usage: {today: UsageTotals; total: UsageTotals} | undefined): UserView {
	return {
		name: record.name,
		keyPrefix: record.keyPrefix,
		admin: record.admin,
		disabled: record.disabled,
		createdAt: record.createdAt,
		...(record.lastUsedAt === undefined ? {} : {lastUsedAt: record.lastUsedAt}),
		usage: usage ?? {today: emptyTotals(), total: emptyTotals()},
	};
}

function usageOf(ctx: ActionContext, name: string): {today: UsageTotals; total: UsageTotals} | undefined {
	return totalsByUser(ctx.store.usage.list({user: name}), utcDay(nowOf(ctx))).get(name);
}

function existing(ctx: ActionContext, name: string): UserRecord {
	const record = ctx.store.users.get(validateUserName(name));
	if (record === undefined) throw new NotFoundError(`no user '${name}' (see agproxy users list)`);
	return record;
}

/** A new user with a new key. The key is in the result and nowhere else. */
export function create(ctx: ActionContext, name: string, options: {admin?: boolean} = {}): UserWithKey {
	validateUserName(name);
	if (ctx.store.users.get(name) !== undefined) throw new ConflictError(`user '${name}' already exists (rotate its key with: agproxy users rotate ${name})`);
	const key = generateKey();
	const record: UserRecord = {
		name,
		keyHash: hashKey(key),
		keyPrefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
		admin: options.admin === true,
		disabled: false,
		createdAt: new Date(nowOf(ctx)).toISOString(),
	};
	try {
		ctx.store.users.create(record);
	} catch (error) {
		if (error instanceof StoreConflictError) throw new ConflictError(`user '${name}' already exists`);
		throw error;
	}
	return {user: view(record, undefined), key};
}

/** Every user with today's (UTC) and all-time usage, by name. */
export function list(ctx: ActionContext): UserView[] {
	const totals = totalsByUser(ctx.store.usage.list(), utcDay(nowOf(ctx)));
	return ctx.store.users
		.list()
		.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
		.map(record => view(record, totals.get(record.name)));
}

export function get(ctx: ActionContext, name: string): UserView {
	return view(existing(ctx, name), usageOf(ctx, name));
}

/** A new key for the user; the old one stops working at once. */
export function rotate(ctx: ActionContext, name: string): UserWithKey {
	existing(ctx, name);
	const key = generateKey();
	const updated = ctx.store.users.update(name, {keyHash: hashKey(key), keyPrefix: key.slice(0, DISPLAY_PREFIX_LENGTH)});
	if (updated === undefined) throw new NotFoundError(`no user '${name}' (see agproxy users list)`);
	return {user: view(updated, usageOf(ctx, name)), key};
}

/** Deletes the user and their groups; their usage rows stay for the record. */
export function remove(ctx: ActionContext, name: string): {removed: string} {
	existing(ctx, name);
	if (!ctx.store.users.remove(name)) throw new NotFoundError(`no user '${name}' (see agproxy users list)`);
	return {removed: name};
}

/** A disabled user's key is refused (401 "key disabled") until enabled again. */
export function setDisabled(ctx: ActionContext, name: string, disabled: boolean): UserView {
	existing(ctx, name);
	const updated = ctx.store.users.update(name, {disabled});
	if (updated === undefined) throw new NotFoundError(`no user '${name}' (see agproxy users list)`);
	return view(updated, usageOf(ctx, name));
}
