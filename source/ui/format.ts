// Text that fits: terminal cell width, truncation with an ellipsis, padding, and the dashboard's number formats.
// Durations come from the limits view and token counts from the CLI (one format everywhere).
import type {UsageTotals} from '../actions/usage.js';
import {formatDuration} from '../accounts/limits-view.js';
import {compact} from '../cli/target.js';

export {compact, formatDuration};

export const ELLIPSIS = '…';

/** Terminal cells one code point takes: 0 for combining marks and zero-width characters, 2 for wide East Asian and emoji. */
export function charWidth(codePoint: number): number {
	if (codePoint === 0x200b || codePoint === 0x200c || codePoint === 0x200d || codePoint === 0xfeff) return 0;
	if ((codePoint >= 0x300 && codePoint <= 0x36f) || (codePoint >= 0xfe00 && codePoint <= 0xfe0f)) return 0;
	if (
		(codePoint >= 0x1100 && codePoint <= 0x115f) ||
		(codePoint >= 0x2e80 && codePoint <= 0xa4cf && codePoint !== 0x303f) ||
		(codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
		(codePoint >= 0xf900 && codePoint <= 0xfaff) ||
		(codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
		(codePoint >= 0xff00 && codePoint <= 0xff60) ||
		(codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
		(codePoint >= 0x1f300 && codePoint <= 0x1f64f) ||
		(codePoint >= 0x1f900 && codePoint <= 0x1f9ff) ||
		(codePoint >= 0x20000 && codePoint <= 0x3fffd)
	) {
		return 2;
	}
	return 1;
}

export function textWidth(text: string): number {
	let width = 0;
	for (const char of text) width += charWidth(char.codePointAt(0) ?? 0);
	return width;
}

// C0/C1 controls and ESC: a value from upstream (an error text, a model name) must never move the cursor or colour the screen.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/** One line, no control characters: newlines and tabs become spaces. */
export function clean(text: string): string {
	return text.replace(CONTROL, ' ');
}

/** The first code points of the text that fit in `width` cells (no ellipsis). */
function cutTo(text: string, width: number): string {
	let out = '';
	let used = 0;
	for (const char of text) {
		const w = charWidth(char.codePointAt(0) ?? 0);
		if (used + w > width) break;
		out += char;
		used += w;
	}
	return out;
}

/** At most `width` cells; cut text ends with '…'. */
export function truncate(text: string, width: number): string {
	if (width <= 0) return '';
	if (textWidth(text) <= width) return text;
	return cutTo(text, width - 1) + ELLIPSIS;
}

/** The end of the text in at most `width` cells ('…' + tail): for input lines, where the cursor is at the end. */
export function truncateStart(text: string, width: number): string {
	if (width <= 0) return '';
	if (textWidth(text) <= width) return text;
	const chars = [...text];
	let out = '';
	let used = 0;
	for (let index = chars.length - 1; index >= 0; index--) {
		const char = chars[index] ?? '';
		const w = charWidth(char.codePointAt(0) ?? 0);
		if (used + w > width - 1) break;
		out = char + out;
		used += w;
	}
	return ELLIPSIS + out;
}

/** Exactly `width` cells: cleaned, truncated, padded. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const cut = truncate(clean(text), width);
	const room = Math.max(0, width - textWidth(cut));
	return align === 'right' ? ' '.repeat(room) + cut : cut + ' '.repeat(room);
}

/** Word-wraps text into lines of at most `width` cells (words longer than a line are broken), at most `maxLines` (the last one ends with '…' when cut). */
export function wrapLines(text: string, width: number, maxLines: number): string[] {
	if (width <= 0 || maxLines <= 0) return [];
	const lines: string[] = [];
	for (const paragraph of text.split(/\r?\n/)) {
		let line = '';
		for (const word of clean(paragraph).split(' ')) {
			const candidate = line === '' ? word : `${line} ${word}`;
			if (textWidth(candidate) <= width) {
				line = candidate;
				continue;
			}
			if (line !== '') lines.push(line);
			line = word;
			while (textWidth(line) > width) {
				const head = cutTo(line, width);
				lines.push(head);
				line = line.slice(head.length);
			}
		}
		lines.push(line);
	}
	if (lines.length <= maxLines) return lines;
	const kept = lines.slice(0, maxLines);
	kept[maxLines - 1] = `${cutTo(kept[maxLines - 1] ?? '', width - 1)}${ELLIPSIS}`;
	return kept;
}

/** `340ms`, `1.2s`, `12s`, `2m5s`. */
export function formatLatency(ms: number | undefined): string {
	if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '-';
	if (ms < 1000) return `${Math.round(ms)}ms`;
	if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
	if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
	return formatDuration(ms);
}

/** An uptime by the minute (`<1m`, `12m`, `2h13m`, `3d4h`): the header never needs a tick every second. */
export function formatUptime(ms: number): string {
	if (!(ms >= 60_000)) return '<1m';
	return formatDuration(Math.floor(ms / 60_000) * 60_000);
}

/** `HH:MM:SS` in local time, from an ISO time; '' when unreadable. */
export function clockTime(iso: string): string {
	const at = Date.parse(iso);
	if (Number.isNaN(at)) return '';
	const date = new Date(at);
	const two = (n: number): string => String(n).padStart(2, '0');
	return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

export function formatPercent(fraction: number | undefined): string {
	if (fraction === undefined || !Number.isFinite(fraction)) return '?';
	return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** `in/out/cached`, `-` for requests without counts. */
export function formatTokens(input: number | undefined, output: number | undefined, cached: number | undefined): string {
	if (input === undefined && output === undefined && cached === undefined) return '-';
	const part = (n: number | undefined): string => (n === undefined ? '-' : compact(n));
	return `${part(input)}/${part(output)}/${part(cached)}`;
}

/** `12 req 3.4k/1.2k` for one user's day; `-` when none. */
export function formatUsage(totals: UsageTotals): string {
	if (totals.requests === 0) return '-';
	return `${totals.requests} req ${compact(totals.inputTokens)}/${compact(totals.outputTokens)}${totals.errors > 0 ? ` ${totals.errors} err` : ''}`;
}

/** `05-01 12:34` (UTC, from an ISO time) or 'never'. */
export function formatWhen(iso: string | undefined): string {
	if (iso === undefined) return 'never';
	return iso.slice(5, 16).replace('T', ' ');
}

export function messageOf(error: unknown): string {
	return clean(error instanceof Error ? error.message : String(error));
}
