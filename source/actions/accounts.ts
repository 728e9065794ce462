// Google accounts: list (without refresh tokens), enable/disable, remove, upsert (after a sign-in), verify. Changes go
// to the store and, where a server runs, to its pool at once.
import type {AccountHealth, AccountRecord} from '../accounts/types.js';
import {type AccountVerdict, type ActionContext, nowOf} from './context.js';
import {InvalidError, NotFoundError, UnavailableError} from './errors.js';
import {isClientVersion} from '../upstream/client-version.js';

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

/** An account as shown: the stored record without its refresh token, plus the pool's runtime view when a pool runs. */
export type AccountView = {
	email: string;
	projectId?: string;
	tier?: string;
	enabled: boolean;
	invalid?: {reason: string; at: string; url?: string};
	addedAt: string;
	/** The account's own Antigravity client version (else the `clientVersion` setting). */
	clientVersion?: string;
	/** From the running server's pool. */
	health?: AccountHealth;
	requestsServed?: number;
	inFlight?: number;
	lastUsed?: number;
};

const key = (email: string): string => email.trim().toLowerCase();

function checkEmail(email: string): string {
	if (!EMAIL_PATTERN.test(email)) throw new InvalidError(`invalid e-mail '${email}'`);
	return email;
}

function view(ctx: ActionContext, record: AccountRecord): AccountView {
	const snapshot = ctx.pool?.snapshot().find(entry => key(entry.email) === key(record.email));
	return {
		email: record.email,
		...(record.projectId === undefined ? {} : {projectId: record.projectId}),
		...(record.tier === undefined ? {} : {tier: record.tier}),
		enabled: record.enabled,
		...(record.invalid === undefined ? {} : {invalid: {...record.invalid}}),
		addedAt: record.addedAt,
		...(record.clientVersion === undefined ? {} : {clientVersion: record.clientVersion}),
		...(snapshot === undefined
			? {}
			: {health: snapshot.health, requestsServed: snapshot.requestsServed, inFlight: snapshot.inFlight, ...(snapshot.lastUsed === undefined ? {} : {lastUsed: snapshot.lastUsed})}),
	};
}

function notFound(email: string): NotFoundError {
	return new NotFoundError(`no stored account ${email} (see agproxy accounts list)`);
}

export async function list(ctx: ActionContext): Promise<AccountView[]> {
	return (await ctx.store.accounts.list()).map(record => view(ctx, record));
}

export async function setEnabled(ctx: ActionContext, email: string, enabled: boolean): Promise<AccountView> {
	checkEmail(email);
	if (ctx.pool !== undefined) {
		if (!(await ctx.pool.setEnabled(email, enabled))) throw notFound(email);
	} else if ((await ctx.store.accounts.update(email, {enabled})) === undefined) {
		throw notFound(email);
	}
	const record = await ctx.store.accounts.get(email);
	if (record === undefined) throw notFound(email);
	return view(ctx, record);
}

export async function remove(ctx: ActionContext, email: string): Promise<{removed: string}> {
	checkEmail(email);
	const record = await ctx.store.accounts.get(email);
	if (record === undefined || !(await ctx.store.accounts.remove(email))) throw notFound(email);
	await ctx.pool?.reload();
	return {removed: record.email};
}

/** Adds the account or replaces the stored one with the same e-mail (a new sign-in), keeping when it was first added. */
export async function upsert(ctx: ActionContext, record: AccountRecord): Promise<{created: boolean; account: AccountView}> {
	checkEmail(record.email);
	if (record.refreshToken.trim() === '') throw new InvalidError('the refresh token is empty');
	const existing = await ctx.store.accounts.get(record.email);
	// A new sign-in keeps the account's own client version.
	const clientVersion = record.clientVersion ?? existing?.clientVersion;
	const next: AccountRecord = {
		...record,
		addedAt: existing?.addedAt ?? record.addedAt ?? new Date(nowOf(ctx)).toISOString(),
		...(clientVersion === undefined ? {} : {clientVersion}),
	};
	await ctx.store.accounts.upsert(next);
	await ctx.pool?.reload();
	return {created: existing === undefined, account: view(ctx, next)};
}

/**
 * Sets the Antigravity client version one account presents to Google (`undefined` goes back to the `clientVersion`
 * setting). A running pool gives the account a fresh start at once (a refusal of the old version no longer holds).
 */
export async function setClientVersion(ctx: ActionContext, email: string, version: string | undefined): Promise<AccountView> {
	checkEmail(email);
	if (version !== undefined && !isClientVersion(version)) throw new InvalidError(`invalid client version '${version}': expected a version like 2.9.1`);
	const updated = await ctx.store.accounts.update(email, {clientVersion: version});
	if (updated === undefined) throw notFound(email);
	await ctx.pool?.reload();
	return view(ctx, updated);
}

/** Refresh, project discovery and the model list for each account; findings are written back to the store. */
export async function verify(ctx: ActionContext, options: {signal?: AbortSignal | undefined} = {}): Promise<AccountVerdict[]> {
	if (ctx.verifyAccounts === undefined) throw new UnavailableError('this agproxy cannot verify accounts (no upstream client)');
	const verdicts = await ctx.verifyAccounts(options.signal);
	await ctx.pool?.reload();
	return verdicts;
}
