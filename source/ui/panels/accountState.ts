// What the Accounts panel says about an account and each of its models, from the pool's snapshot and the clock:
// countdowns are computed here from `until` timestamps, so they tick with the clock, not with the snapshot.
import type {PoolAccountSnapshot} from '../../accounts/pool.js';
import type {ModelState} from '../../accounts/types.js';
import {formatDuration} from '../format.js';
import type {Tone} from '../theme.js';

export type Described = {text: string; tone: Tone};

/** active / rate-limited 42s / exhausted, resets 2h13m / invalid: reason / disabled. */
export function describeAccount(account: PoolAccountSnapshot, now: number): Described {
	switch (account.health) {
		case 'invalid':
			return {text: `invalid: ${account.invalidReason ?? 'needs a new sign-in'}`, tone: 'error'};
		case 'disabled':
			return {text: 'disabled', tone: 'muted'};
		case 'rate_limited': {
			const untils: number[] = [];
			if (account.cooldown !== undefined) untils.push(account.cooldown.until);
			for (const state of Object.values(account.models)) if (state.limit !== undefined && state.limit.kind !== 'exhausted') untils.push(state.limit.until);
			const live = untils.filter(until => until > now);
			return {text: live.length === 0 ? 'rate-limited' : `rate-limited ${formatDuration(Math.min(...live) - now)}`, tone: 'warn'};
		}
		case 'exhausted': {
			const untils = Object.values(account.models).flatMap(state => (state.limit?.kind === 'exhausted' && state.limit.until > now ? [state.limit.until] : []));
			return {text: untils.length === 0 ? 'exhausted' : `exhausted, resets ${formatDuration(Math.min(...untils) - now)}`, tone: 'error'};
		}
		case 'active':
			return {text: account.inFlight > 0 ? `active, ${account.inFlight} busy` : 'active', tone: 'ok'};
	}
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
