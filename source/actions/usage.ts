// Usage accounting: one aggregated row per (user, model, UTC day) in the store, never one per request.
import type {DataStore, UsageRow} from '../store/types.js';

export type UsageTotals = {requests: number; inputTokens: number; outputTokens: number; cachedTokens: number; errors: number};

export type TokenUsage = {inputTokens?: number | undefined; outputTokens?: number | undefined; cachedTokens?: number | undefined};

/** A user's last-used time is written at most this often (one store write per minute per user, not per request). */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function utcDay(at: number): string {
	return new Date(at).toISOString().slice(0, 10);
}

export function emptyTotals(): UsageTotals {
	return {requests: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, errors: 0};
}

export function addRow(totals: UsageTotals, row: UsageTotals): void {
	totals.requests += row.requests;
	totals.inputTokens += row.inputTokens;
	totals.outputTokens += row.outputTokens;
	totals.cachedTokens += row.cachedTokens;
	totals.errors += row.errors;
}

/** Per user: today's (UTC) and all-time totals. */
export function totalsByUser(rows: readonly UsageRow[], today: string): Map<string, {today: UsageTotals; total: UsageTotals}> {
	const result = new Map<string, {today: UsageTotals; total: UsageTotals}>();
	for (const row of rows) {
		let entry = result.get(row.user);
		if (entry === undefined) {
			entry = {today: emptyTotals(), total: emptyTotals()};
			result.set(row.user, entry);
		}
		addRow(entry.total, row);
		if (row.day === today) addRow(entry.today, row);
	}
	return result;
}

const tokens = (value: number | undefined): number => (value !== undefined && Number.isFinite(value) && value > 0 ? Math.round(value) : 0);

/**
 * Adds one finished request to the user's row for the model and day, and notes when the user was last seen.
 * `user` undefined or '' = open (keyless) mode.
 */
export function recordUsage(
	store: Pick<DataStore, 'usage' | 'users'>,
	entry: {user?: string | undefined; model: string; usage?: TokenUsage | undefined; error?: boolean | undefined; at?: number | undefined},
): void {
	const at = entry.at ?? Date.now();
	const user = entry.user ?? '';
	store.usage.record({
		user,
		model: entry.model,
		requests: 1,
		inputTokens: tokens(entry.usage?.inputTokens),
		outputTokens: tokens(entry.usage?.outputTokens),
		cachedTokens: tokens(entry.usage?.cachedTokens),
		errors: entry.error === true ? 1 : 0,
		at,
	});
	if (user === '') return;
	const record = store.users.get(user);
	if (record === undefined) return;
	const last = record.lastUsedAt === undefined ? Number.NaN : Date.parse(record.lastUsedAt);
	if (Number.isNaN(last) || at - last >= LAST_USED_RESOLUTION_MS) store.users.update(user, {lastUsedAt: new Date(at).toISOString()});
}
