// Small numeric helpers shared by the benchmark sections.

export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function sorted(values: readonly number[]): number[] {
	return [...values].sort((a, b) => a - b);
}

export function median(values: readonly number[]): number {
	return percentile(sorted(values), 50);
}

/** `1.23 ms` with a precision that suits the size. */
export function ms(value: number): string {
	if (!Number.isFinite(value)) return 'n/a';
	const digits = Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0;
	return `${value.toFixed(digits)} ms`;
}

/** A signed difference: `+0.42 ms`. */
export function addedMs(value: number): string {
	return `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;
}

export function ratio(value: number, floor: number): string {
	return floor > 0 && Number.isFinite(value) ? `×${(value / floor).toFixed(2)}` : 'n/a';
}

export function count(value: number): string {
	return Math.round(value).toLocaleString('en-US');
}

export function mb(bytes: number): string {
	return `${(bytes / 1e6).toFixed(1)} MB`;
}
