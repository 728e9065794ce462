// GET /account-limits: the accounts and their per-model quotas and limits, as JSON or (`?format=table`) as an aligned
// text table (models x accounts). Pure: the pool's snapshot and the clock are passed in.
import type {AccountHealth, AccountSnapshot, ModelState} from './types.js';

/** What the pool's snapshot adds to the shared one (all optional, so plain AccountSnapshots work too). */
export type LimitsAccount = AccountSnapshot & {queued?: number; sessions?: number; cooldown?: {until: number; reason: string}};

export type ModelLimitState = 'ok' | 'rate_limited' | 'exhausted' | 'capacity' | 'cooldown';

export type LimitsModelJson = {
	/** 0..1, null when unknown */
	remainingFraction: number | null;
	/** "85%" */
	remaining: string | null;
	resetTime: string | null;
	/** "2h13m" to the quota reset */
	resetIn: string | null;
	state: ModelLimitState;
	/** when the limit ends (ISO), for state != ok */
	until: string | null;
	untilIn: string | null;
	reason: string | null;
	consecutiveFailures: number;
};

export type LimitsAccountJson = {
	email: string;
	health: AccountHealth;
	enabled: boolean;
	projectId: string | null;
	tier: string | null;
	invalidReason: string | null;
	verifyUrl: string | null;
	requestsServed: number;
	inFlight: number;
	queued: number;
	sessions: number;
	lastUsed: string | null;
	quotaFetchedAt: string | null;
	cooldown: {until: string; reason: string} | null;
	models: Record<string, LimitsModelJson>;
};

export type LimitsJson = {
	timestamp: string;
	totalAccounts: number;
	summary: Record<AccountHealth, number>;
	models: string[];
	accounts: LimitsAccountJson[];
};

/** `2h13m`, `13m5s`, `45s`, `3d4h`; `0s` for anything not in the future. */
export function formatDuration(ms: number): string {
	if (!(ms > 0)) return '0s';
	const seconds = Math.ceil(ms / 1000);
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
	const hours = Math.floor(minutes / 60);
	if (hours < 24) return `${hours}h${minutes % 60}m`;
	return `${Math.floor(hours / 24)}d${hours % 24}h`;
}

function iso(ms: number | undefined): string | null {
	return ms === undefined ? null : new Date(ms).toISOString();
}

function percent(fraction: number): string {
	return `${Math.round(fraction * 100)}%`;
}

/** The models to show: the given list, else every model any account has state for; sorted. */
function modelIds(accounts: readonly LimitsAccount[], models: readonly string[] | undefined): string[] {
	const ids = new Set<string>(models ?? []);
	if (models === undefined) for (const account of accounts) for (const id of Object.keys(account.models)) ids.add(id);
	return [...ids].sort((a, b) => a.localeCompare(b));
}

function modelJson(account: LimitsAccount, state: ModelState | undefined, now: number): LimitsModelJson {
	const fraction = state?.quota?.remainingFraction;
	const resetTime = state?.quota?.resetTime;
	const resetAt = resetTime === undefined ? Number.NaN : Date.parse(resetTime);
	const modelLimit = state?.limit !== undefined && state.limit.until > now ? state.limit : undefined;
	const cooldown = account.cooldown !== undefined && account.cooldown.until > now ? account.cooldown : undefined;
	const limit =
		cooldown !== undefined && (modelLimit === undefined || cooldown.until > modelLimit.until)
			? {state: 'cooldown' as const, until: cooldown.until, reason: cooldown.reason}
			: modelLimit === undefined
				? undefined
				: {state: modelLimit.kind, until: modelLimit.until, reason: modelLimit.reason};
	return {
		remainingFraction: fraction ?? null,
		remaining: fraction === undefined ? null : percent(fraction),
		resetTime: resetTime ?? null,
		resetIn: Number.isNaN(resetAt) ? null : formatDuration(resetAt - now),
		state: limit?.state ?? 'ok',
		until: limit === undefined ? null : iso(limit.until),
		untilIn: limit === undefined ? null : formatDuration(limit.until - now),
		reason: limit?.reason ?? null,
		consecutiveFailures: state?.consecutiveFailures ?? 0,
	};
}

export function limitsJson(accounts: readonly LimitsAccount[], options: {now: number; models?: readonly string[]}): LimitsJson {
	const {now} = options;
	const models = modelIds(accounts, options.models);
	const summary: Record<AccountHealth, number> = {active: 0, rate_limited: 0, exhausted: 0, invalid: 0, disabled: 0};
	for (const account of accounts) summary[account.health]++;
	return {
		timestamp: new Date(now).toISOString(),
		totalAccounts: accounts.length,
		summary,
		models,
		accounts: accounts.map((account) => ({
			email: account.email,
			health: account.health,
			enabled: account.enabled,
			projectId: account.projectId ?? null,
			tier: account.tier ?? null,
			invalidReason: account.invalidReason ?? null,
			verifyUrl: account.verifyUrl ?? null,
			requestsServed: account.requestsServed,
			inFlight: account.inFlight,
			queued: account.queued ?? 0,
			sessions: account.sessions ?? 0,
			lastUsed: iso(account.lastUsed),
			quotaFetchedAt: iso(account.quotaFetchedAt),
			cooldown: account.cooldown !== undefined && account.cooldown.until > now ? {until: new Date(account.cooldown.until).toISOString(), reason: account.cooldown.reason} : null,
			models: Object.fromEntries(models.map((id) => [id, modelJson(account, account.models[id], now)])),
		})),
	};
}

const MARKERS: Record<Exclude<ModelLimitState, 'ok'>, string> = {rate_limited: 'RL', exhausted: 'EXH', capacity: 'CAP', cooldown: 'COOL'};

function cell(account: LimitsAccountJson, id: string): string {
	if (account.health === 'invalid') return 'invalid';
	if (account.health === 'disabled') return 'disabled';
	const model = account.models[id];
	if (model === undefined) return '-';
	const quota = model.remaining ?? '?';
	if (model.state !== 'ok') return `${quota} ${MARKERS[model.state]} ${model.untilIn ?? ''}`.trimEnd();
	if (model.remainingFraction !== null && model.remainingFraction < 1 && model.resetIn !== null) return `${quota} (${model.resetIn})`;
	return quota;
}

function table(rows: readonly string[][]): string[] {
	const widths: number[] = [];
	for (const row of rows) row.forEach((text, i) => (widths[i] = Math.max(widths[i] ?? 0, text.length)));
	return rows.map((row) =>
		row
			.map((text, i) => (i === row.length - 1 ? text : text.padEnd(widths[i] ?? 0)))
			.join('  ')
			.trimEnd(),
	);
}

function ago(now: number, at: string | null): string {
	return at === null ? '-' : `${formatDuration(now - Date.parse(at))} ago`;
}

/** The `?format=table` view: an accounts table, then a models x accounts matrix, then the legend. */
export function limitsTable(accounts: readonly LimitsAccount[], options: {now: number; models?: readonly string[]}): string {
	const json = limitsJson(accounts, options);
	const now = options.now;
	const s = json.summary;
	const lines: string[] = [
		`Account limits at ${json.timestamp}: ${json.totalAccounts} account(s), ${s.active} active, ${s.rate_limited} rate-limited, ${s.exhausted} exhausted, ${s.invalid} invalid, ${s.disabled} disabled`,
		'',
	];
	if (json.accounts.length === 0) {
		lines.push('No accounts. Add one with `agproxy accounts add`.');
		return `${lines.join('\n')}\n`;
	}
	const accountRows = [['ACCOUNT', 'HEALTH', 'TIER', 'SERVED', 'IN-FLIGHT', 'QUEUED', 'LAST USED', 'QUOTA AGE', 'NOTE']];
	for (const account of json.accounts) {
		const note =
			account.invalidReason !== null
				? `${account.invalidReason}${account.verifyUrl === null ? '' : `: ${account.verifyUrl}`}`
				: account.cooldown !== null
					? `cooling down ${formatDuration(Date.parse(account.cooldown.until) - now)}: ${account.cooldown.reason}`
					: '';
		accountRows.push([
			account.email,
			account.health,
			account.tier ?? '-',
			String(account.requestsServed),
			String(account.inFlight),
			String(account.queued),
			ago(now, account.lastUsed),
			ago(now, account.quotaFetchedAt),
			note,
		]);
	}
	lines.push(...table(accountRows), '');
	if (json.models.length === 0) {
		lines.push('No per-model data yet (quotas not fetched, no requests served).');
	} else {
		const matrix = [['MODEL', ...json.accounts.map((account) => account.email)]];
		for (const id of json.models) matrix.push([id, ...json.accounts.map((account) => cell(account, id))]);
		lines.push(...table(matrix));
	}
	lines.push('', 'Legend: NN% = quota left, (2h13m) = time to its reset, RL = rate-limited, EXH = quota exhausted, CAP = no capacity or upstream errors, COOL = account cooling down, ? = unknown; the time after a marker is when it ends.');
	return `${lines.join('\n')}\n`;
}
