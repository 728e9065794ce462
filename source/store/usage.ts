// Usage aggregated per (user, model, UTC day): record() adds a request's counters to its row (an upsert), so the
// table grows with users x models x days, never with requests. Ordinary changes (batched, then the debounced save).
import {InputReader, RowReader} from './rows.js';
import type {DatabaseFile, Row} from './sqlite.js';
import type {UsageDelta, UsageRepository, UsageRow} from './types.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** YYYY-MM-DD (UTC) of a time in ms. */
export function utcDay(at: number): string {
	return new Date(at).toISOString().slice(0, 10);
}

function parseUsageRow(row: Row, index: number): UsageRow {
	const read = new RowReader(row, `usage row ${index + 1}`);
	const day = read.text('day');
	if (!DAY.test(day)) read.fail('day', 'must be YYYY-MM-DD');
	return {
		user: read.anyText('user_name'),
		model: read.text('model'),
		day,
		requests: read.count('requests'),
		inputTokens: read.count('input_tokens'),
		outputTokens: read.count('output_tokens'),
		cachedTokens: read.count('cached_tokens'),
		errors: read.count('errors'),
	};
}

const UPSERT = `INSERT INTO usage (user_name, model, day, requests, input_tokens, output_tokens, cached_tokens, errors)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (user_name, model, day) DO UPDATE SET
		requests = requests + excluded.requests,
		input_tokens = input_tokens + excluded.input_tokens,
		output_tokens = output_tokens + excluded.output_tokens,
		cached_tokens = cached_tokens + excluded.cached_tokens,
		errors = errors + excluded.errors`;

/** How long usage collects in memory before one transaction writes it (then the file's own debounced save applies). */
const USAGE_BATCH_MS = 250;

type PendingUsage = {user: string; model: string; day: string; counts: [number, number, number, number, number]};

/**
 * record() is on every request's path: it adds to an in-memory row per (user, model, day) and one transaction a
 * quarter second later writes them all, instead of a SQLite transaction per request. Reads (list) and flush/close
 * write the pending rows first, so nothing recorded is ever missing from what is read or saved.
 */
export class SqlUsageRepository implements UsageRepository {
	private pending = new Map<string, PendingUsage>();
	private timer: NodeJS.Timeout | undefined;

	constructor(private readonly file: DatabaseFile) {}

	record(delta: UsageDelta): void {
		const read = InputReader.of(delta, 'usage');
		const at = read.get('at');
		if (typeof at !== 'number' || !Number.isFinite(at) || Number.isNaN(new Date(at).getTime())) throw new TypeError('usage: at must be a time in ms');
		const day = utcDay(at);
		if (!DAY.test(day)) throw new TypeError('usage: at is out of range');
		const user = read.anyText('user');
		const model = read.text('model');
		const counts = [read.count('requests'), read.count('inputTokens'), read.count('outputTokens'), read.count('cachedTokens'), read.count('errors')] as const;
		const key = `${user}\u0000${model}\u0000${day}`;
		const row = this.pending.get(key);
		if (row === undefined) this.pending.set(key, {user, model, day, counts: [...counts]});
		else counts.forEach((n, i) => (row.counts[i] = (row.counts[i] ?? 0) + n));
		this.timer ??= setTimeout(() => {
			this.timer = undefined;
			try {
				if (!this.file.isClosed) this.flush();
			} catch {
				// The rows stay pending (flush put them back); the next record, read or close tries again.
			}
		}, USAGE_BATCH_MS).unref();
	}

	/** Writes the pending rows in one transaction (a no-op when there are none). */
	flush(): void {
		if (this.timer !== undefined) {
			clearTimeout(this.timer);
			this.timer = undefined;
		}
		if (this.pending.size === 0) return;
		const rows = this.pending;
		this.pending = new Map();
		try {
			this.file.write('ordinary', () => {
				for (const row of rows.values()) this.file.run(UPSERT, [row.user, row.model, row.day, ...row.counts]);
			});
		} catch (error) {
			// The transaction rolled back (and nothing can be recorded during this synchronous call): keep the counts.
			this.pending = rows;
			throw error;
		}
	}

	/** Rows by day, then user, then model; `sinceDay` is inclusive. */
	list(filter: {user?: string; sinceDay?: string} = {}): UsageRow[] {
		this.flush();
		const where: string[] = [];
		const params: string[] = [];
		if (filter.user !== undefined) {
			where.push('user_name = ?');
			params.push(filter.user);
		}
		if (filter.sinceDay !== undefined) {
			if (!DAY.test(filter.sinceDay)) throw new TypeError('usage: sinceDay must be YYYY-MM-DD');
			where.push('day >= ?');
			params.push(filter.sinceDay);
		}
		const sql =
			'SELECT user_name, model, day, requests, input_tokens, output_tokens, cached_tokens, errors FROM usage' +
			(where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`) +
			' ORDER BY day, user_name, model';
		return this.file.all(sql, params).map(parseUsageRow);
	}
}
