// What the Accounts panel says about an account and each of its models, from the pool's snapshot and the clock:
// countdowns are computed here from `until` timestamps, so they tick with the clock, not with the snapshot.
import type {PoolAccountSnapshot} from '../../accounts/pool.js';
import type {ModelState} from '../../accounts/types.js';
import {formatDuration} from '../format.js';
import type {Tone} from '../theme.js';

export type Described = {text: string; tone: Tone};

/** `14:05` in local time; `05-02 14:05` when it is not within the next 20 hours. */
export function clockAt(at: number, now: number): string {
	const date = new Date(at);
	const two = (n: number): string => String(n).padStart(2, '0');
	const time = `${two(date.getHours())}:${two(date.getMinutes())}`;
	return at - now < 20 * 3_600_000 ? time : `${two(date.getMonth() + 1)}-${two(date.getDate())} ${time}`;
}

/** `claude-opus-4-6-thinking`, `claude-opus-4-6-thinking +1`. */
function modelList(models: readonly string[], name: (model: string) => string): string {
	const first = name(models[0] ?? '');
	return models.length <= 1 ? first : `${first} +${models.length - 1}`;
}

/** The models of an account that cannot serve now, by kind, each with the soonest time it can again. */
export type Blocked = {out: string[]; outUntil: number; waiting: string[]; waitUntil: number; serving: number};

export function blockedModels(account: PoolAccountSnapshot, now: number): Blocked {
	const blocked: Blocked = {out: [], outUntil: Number.POSITIVE_INFINITY, waiting: [], waitUntil: Number.POSITIVE_INFINITY, serving: 0};
	for (const [model, state] of Object.entries(account.models)) {
		const limit = state.limit;
		if (limit === undefined || limit.until <= now) {
			blocked.serving++;
		} else if (limit.kind === 'exhausted') {
			blocked.out.push(model);
			blocked.outUntil = Math.min(blocked.outUntil, limit.until);
		} else {
			blocked.waiting.push(model);
			blocked.waitUntil = Math.min(blocked.waitUntil, limit.until);
		}
	}
	return blocked;
}

/**
 * active / rate-limited 42s / exhausted, resets 2h13m / invalid: reason / disabled. A model that is out (or waiting)
 * while others still serve does not make the whole account exhausted: `active · out: claude-opus-4-6-thinking until 14:05`.
 * `name` shortens model names for narrow columns.
 */
export function describeAccount(account: PoolAccountSnapshot, now: number, name: (model: string) => string = model => model): Described {
	switch (account.health) {
		case 'invalid':
			return {text: `invalid: ${account.invalidReason ?? 'needs a new sign-in'}`, tone: 'error'};
		case 'disabled':
			return {text: 'disabled', tone: 'muted'};
		default:
			break;
	}
	if (account.cooldown !== undefined && account.cooldown.until > now) return {text: `rate-limited ${formatDuration(account.cooldown.until - now)}`, tone: 'warn'};
	const blocked = blockedModels(account, now);
	if (blocked.serving === 0 && blocked.waiting.length > 0) return {text: `rate-limited ${formatDuration(blocked.waitUntil - now)}`, tone: 'warn'};
	if (blocked.serving === 0 && blocked.out.length > 0) return {text: `exhausted, resets ${formatDuration(blocked.outUntil - now)}`, tone: 'error'};
	const busy = account.inFlight > 0 ? `active, ${account.inFlight} busy` : 'active';
	const parts: string[] = [];
	if (blocked.out.length > 0) parts.push(`out: ${modelList(blocked.out, name)} until ${clockAt(blocked.outUntil, now)}`);
	if (blocked.waiting.length > 0) parts.push(`waiting: ${modelList(blocked.waiting, name)} ${formatDuration(blocked.waitUntil - now)}`);
	if (parts.length === 0) return {text: account.health === 'rate_limited' ? 'rate-limited' : busy, tone: account.health === 'rate_limited' ? 'warn' : 'ok'};
	return {text: `${busy} · ${parts.join(' · ')}`, tone: 'warn'};
}

const HOUR = 3_600_000;

/**
 * Whether what is shown about these accounts changes every second by itself: a countdown under an hour is drawn with
 * seconds (`12m5s`); longer ones and clock times (`until 14:05`) only change by the minute. The dashboard ticks at 1 s
 * only while this is true, so an idle dashboard draws nothing.
 */
export function hasSecondsCountdown(accounts: readonly PoolAccountSnapshot[], now: number, withResets = false): boolean {
	const soon = (until: number): boolean => until > now && until - now < HOUR;
	for (const account of accounts) {
		if (account.health === 'invalid' || account.health === 'disabled') continue;
		if (account.cooldown !== undefined && soon(account.cooldown.until)) return true;
		for (const state of Object.values(account.models ?? {})) {
			if (state.limit !== undefined && state.limit.kind !== 'exhausted' && soon(state.limit.until)) return true;
			if (state.limit !== undefined && state.limit.kind === 'exhausted' && withResets && soon(state.limit.until)) return true;
			if (withResets && state.quota?.resetTime !== undefined && soon(Date.parse(state.quota.resetTime))) return true;
		}
	}
	return false;
}

const LIMIT_LABEL: Record<NonNullable<ModelState['limit']>['kind'], string> = {rate_limited: 'rate-limited', exhausted: 'exhausted', capacity: 'no capacity'};

/** A model's line after its bar: `resets 2h13m`, or its limit with a countdown. */
export function describeModel(state: ModelState, now: number): Described {
	const limit = state.limit;
	if (limit !== undefined && limit.until > now) {
		return {text: `${LIMIT_LABEL[limit.kind]} ${formatDuration(limit.until - now)}`, tone: limit.kind === 'exhausted' ? 'error' : 'warn'};
	}
	const reset = state.quota?.resetTime === undefined ? Number.NaN : Date.parse(state.quota.resetTime);
	if (!Number.isNaN(reset) && reset > now) return {text: `resets ${formatDuration(reset - now)}`, tone: 'muted'};
	if (state.quota?.remainingFraction === undefined) return {text: 'quota unknown', tone: 'muted'};
	return {text: '', tone: 'muted'};
}

/** A model is available when at least one enabled, valid account is not limited on it now. */
export function modelAvailability(model: string, accounts: readonly PoolAccountSnapshot[], now: number): {available: boolean; until?: number} {
	const usable = accounts.filter(account => account.health !== 'invalid' && account.health !== 'disabled');
	if (usable.length === 0) return {available: accounts.length === 0};
	let soonest = Number.POSITIVE_INFINITY;
	for (const account of usable) {
		const accountUntil = account.cooldown !== undefined && account.cooldown.until > now ? account.cooldown.until : 0;
		const limit = account.models[model]?.limit;
		const modelUntil = limit !== undefined && limit.until > now ? limit.until : 0;
		const until = Math.max(accountUntil, modelUntil);
		if (until === 0) return {available: true};
		soonest = Math.min(soonest, until);
	}
	return {available: false, until: soonest};
}
