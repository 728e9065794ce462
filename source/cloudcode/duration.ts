// Durations as Cloud Code writes them, converted to whole milliseconds (rounded UP: a retry delay
// rounded down would retry too early). Two syntaxes occur: proto Duration ("3.957525076s", "900ms")
// in RetryInfo.retryDelay, and Go durations ("161h39m41.300432511s", "579.276118ms") in quotaResetDelay.

const UNIT_MS: Record<string, number> = {
	h: 3_600_000,
	m: 60_000,
	s: 1000,
	ms: 1,
	us: 0.001,
	'µs': 0.001,
	'μs': 0.001,
	ns: 0.000_001,
};

// Longest units first inside the alternation so "ms" is not read as "m" + "s".
const TERM = String.raw`(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|h|m|s)`;
const WHOLE = new RegExp(`^(?:${TERM})+$`);
const TERM_GLOBAL = new RegExp(TERM, 'g');

/** Float noise such as 1.1 * 1000 = 1100.0000000000002 must not round up to 1101. */
function ceilMs(ms: number): number {
	return Math.max(0, Math.ceil(ms - 1e-6));
}

/** Proto or Go duration to milliseconds; undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
	const trimmed = text.trim();
	if (trimmed === '' || !WHOLE.test(trimmed)) return undefined;
	let total = 0;
	for (const match of trimmed.matchAll(TERM_GLOBAL)) {
		const unit = UNIT_MS[match[2] ?? ''];
		if (unit === undefined) return undefined;
		total += Number(match[1]) * unit;
	}
	return Number.isFinite(total) ? ceilMs(total) : undefined;
}

const TEXT_DELAY = new RegExp(String.raw`\b(?:reset|resets|retry)\s+(?:after|in)\s+((?:${TERM})+)`, 'i');

/** Finds "reset after 5s", "Resets in 9h22m20s", "Please retry in 3.2s" inside a message. */
export function parseDelayFromText(text: string): number | undefined {
	const match = TEXT_DELAY.exec(text);
	return match?.[1] === undefined ? undefined : parseDurationMs(match[1]);
}

/** Retry-After: delta-seconds or an HTTP date (relative to `now`, epoch ms). */
export function parseRetryAfterMs(header: string, now: number): number | undefined {
	const trimmed = header.trim();
	if (trimmed === '') return undefined;
	if (/^\d+(?:\.\d+)?$/.test(trimmed)) return ceilMs(Number(trimmed) * 1000);
	// Only real dates: Date.parse accepts bare numbers like "-5", which are not dates.
	if (!/[a-z]/i.test(trimmed)) return undefined;
	const at = Date.parse(trimmed);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
