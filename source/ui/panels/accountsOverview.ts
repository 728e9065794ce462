// The home screen's account rows, as pure functions of the pool snapshot, the width and the clock: every account on one
// line (state glyph, e-mail elided to fit, state in words, requests served on wide terminals) followed by one compact
// quota cell per model, in columns under a header of model names. The models the pool is shortest of come first, so a
// narrow terminal shows the ones about to run out and says how many more there are.
import type {PoolAccountSnapshot} from '../../accounts/pool.js';
import type {ModelState} from '../../accounts/types.js';
import {quotaBar} from '../components/QuotaBar.js';
import type {Segment} from '../components/Line.js';
import {fit, formatDuration, formatPercent, textWidth, truncate} from '../format.js';
import {quotaTone} from '../theme.js';
import {clockAt, describeAccount} from './accountState.js';

export type OverviewLayout = {
	width: number;
	email: number;
	state: number;
	/** 0 = no SERVED column (narrow terminals). */
	served: number;
	/** Width of one model cell. */
	cell: number;
	/** The models shown, in column order. */
	models: string[];
	/** Models that did not fit (`+N` at the end of the header). */
	hidden: number;
	/** Whole model names in the state text (`claude-opus-4-6-thinking`), or short ones (`opus-4-6-thinking`). */
	fullNames: boolean;
};

const GLYPH = 3; // ' ● '
const GAP = 1;

/** `claude-opus-4-6-thinking` → `opus-4-6-thinking`, `gemini-3.1-pro-high` → `g3.1-pro-high`: names for narrow columns. */
export function shortModel(model: string): string {
	if (model.startsWith('claude-')) return model.slice('claude-'.length);
	if (model.startsWith('gemini-')) return `g${model.slice('gemini-'.length)}`;
	return model;
}

/**
 * An e-mail address in at most `width` cells: whole when it fits, else the start of the local part and of the domain,
 * each cut with '…' (`bob.with.a.ve…@example-co…`), so that both halves still say whose account it is.
 */
export function elideEmail(email: string, width: number): string {
	if (textWidth(email) <= width) return email;
	const at = email.lastIndexOf('@');
	if (at <= 0 || width < 8) return truncate(email, width);
	const local = email.slice(0, at);
	const domain = email.slice(at);
	// The domain gets up to 40 % of the room (at least '@' and 4 characters); the local part the rest.
	const domainRoom = Math.min(textWidth(domain), Math.max(5, Math.floor(width * 0.4)));
	const localRoom = width - domainRoom;
	return truncate(local, localRoom) + truncate(domain, domainRoom);
}

/** The lowest remaining fraction of a model over the accounts that can serve (exhausted counts as 0): sorts the columns. */
function scarcity(model: string, accounts: readonly PoolAccountSnapshot[], now: number): number {
	let lowest = Number.POSITIVE_INFINITY;
	for (const account of accounts) {
		if (account.health === 'invalid' || account.health === 'disabled') continue;
		const state = account.models[model];
		if (state === undefined) continue;
		const limit = state.limit;
		const fraction = limit !== undefined && limit.kind === 'exhausted' && limit.until > now ? 0 : state.quota?.remainingFraction;
		if (fraction !== undefined) lowest = Math.min(lowest, fraction);
	}
	return lowest;
}

/**
 * Every model some account has a quota or a limit for, scarcest first (then by name). A model the pool only saw asked
 * for (a typo a client sent) has neither and gets no column.
 */
export function overviewModels(accounts: readonly PoolAccountSnapshot[], now: number): string[] {
	const names = new Set<string>();
	for (const account of accounts) {
		for (const [model, state] of Object.entries(account.models)) if (state.quota !== undefined || (state.limit !== undefined && state.limit.until > now)) names.add(model);
	}
	const ranked = [...names].map(model => ({model, low: scarcity(model, accounts, now)}));
	ranked.sort((a, b) => a.low - b.low || a.model.localeCompare(b.model));
	return ranked.map(entry => entry.model);
}

/**
 * Column widths for `width` cells: the e-mail and state columns first, the rest is shared by as many model cells as
 * fit. `wantState`: the longest state text; the state column grows to it (say which models are out) as long as one
 * model cell and `+N` still fit.
 */
export function overviewLayout(accounts: readonly PoolAccountSnapshot[], models: readonly string[], width: number, wantState = 0): OverviewLayout {
	const longestEmail = accounts.reduce((max, account) => Math.max(max, textWidth(account.email)), 5);
	const served = width >= 120 ? 6 : 0;
	// The state column is as wide as its longest text (at least 16): the rest goes to the model cells.
	// A long state (which models are out, until when) takes room from a long e-mail first, down to 20 cells.
	const emailCap = width >= 160 ? 34 : width >= 120 ? 28 : wantState > 22 ? 20 : 24;
	const email = Math.min(longestEmail, emailCap);
	const leastCells = models.length > 0 ? 7 + GAP + 3 : 0;
	const state = Math.max(16, Math.min(wantState, width - GLYPH - email - GAP - GAP - (served > 0 ? served + GAP : 0) - leastCells));
	const fixed = GLYPH + email + GAP + state + GAP + (served > 0 ? served + GAP : 0);
	const room = Math.max(0, width - fixed);
	if (models.length === 0) return {width, email, state: Math.max(10, width - GLYPH - email - GAP - (served > 0 ? served + GAP : 0)), served, cell: 0, models: [], hidden: 0, fullNames: false};
	// A cell is a bar and, from 10 cells on, the percentage; never narrower than 7 nor wider than 16.
	const share = Math.floor((room + GAP) / models.length) - GAP;
	const cell = Math.max(7, Math.min(16, share));
	let shown = Math.min(models.length, Math.floor((room + GAP) / (cell + GAP)));
	// Leave room for `+N` when some are cut.
	if (shown < models.length) shown = Math.max(0, Math.floor((room - 3 + GAP) / (cell + GAP)));
	// Whatever the cells leave goes back to the state column (it holds the longest texts), up to 60 cells.
	const used = shown * (cell + GAP) + (shown < models.length ? 3 : 0);
	const extraState = Math.max(0, Math.min(room - used, 60 - state));
	return {width, email, state: state + extraState, served, cell, models: models.slice(0, shown), hidden: models.length - shown, fullNames: false};
}

/**
 * The layout with whole model names in the state text when every model still gets a cell with its percentage, else
 * with short names (`opus-4-6-thinking`): the state says which models are out, the cells show all of them.
 */
export function chooseLayout(accounts: readonly PoolAccountSnapshot[], models: readonly string[], width: number, now: number): OverviewLayout {
	const longest = (name?: (model: string) => string): number => accounts.reduce((max, account) => Math.max(max, textWidth(describeAccount(account, now, name).text)), 0);
	const full = overviewLayout(accounts, models, width, longest());
	if (full.hidden === 0 && (models.length === 0 || full.cell >= 10)) return {...full, fullNames: true};
	return overviewLayout(accounts, models, width, longest(shortModel));
}

const GLYPHS: Record<string, Segment['tone']> = {ok: 'ok', warn: 'warn', error: 'error', muted: 'muted'};

/** The header line: column names over the rows. */
export function overviewHeader(layout: OverviewLayout): Segment[] {
	let text = `${' '.repeat(GLYPH)}${fit('ACCOUNT', layout.email)}${' '.repeat(GAP)}${fit('STATE', layout.state)}`;
	if (layout.served > 0) text += `${' '.repeat(GAP)}${fit('SERVED', layout.served, 'right')}`;
	for (const model of layout.models) text += `${' '.repeat(GAP)}${fit(shortModel(model), layout.cell)}`;
	const segments: Segment[] = [{text, tone: 'muted', bold: true}];
	if (layout.hidden > 0) segments.push({text: `${' '.repeat(GAP)}+${layout.hidden}`, tone: 'muted'});
	return segments;
}

/** One quota cell: `██████░░ 72%`, `out 14:05`, `wait 42s`, or dots when nothing is known yet. */
export function quotaCell(account: PoolAccountSnapshot, state: ModelState | undefined, width: number, now: number): Segment {
	if (account.health === 'invalid' || account.health === 'disabled') return {text: fit('-', width), tone: 'muted'};
	const limit = state?.limit;
	if (limit !== undefined && limit.until > now) {
		if (limit.kind === 'exhausted') return {text: fit(width >= 9 ? `out ${clockAt(limit.until, now)}` : 'out', width), tone: 'error'};
		const left = formatDuration(limit.until - now);
		return {text: fit(textWidth(left) + 5 <= width ? `wait ${left}` : left, width), tone: 'warn'};
	}
	const fraction = state?.quota?.remainingFraction;
	if (fraction === undefined) return {text: fit(state === undefined ? '' : '·'.repeat(Math.max(1, width - 2)), width), tone: 'muted'};
	if (width >= 10) return {text: `${quotaBar(fraction, width - 5)}${formatPercent(fraction).padStart(5)}`, tone: quotaTone(fraction)};
	return {text: quotaBar(fraction, width), tone: quotaTone(fraction)};
}

/** One account's line: glyph, e-mail, state, served, then its quota cells. */
export function overviewRow(account: PoolAccountSnapshot, layout: OverviewLayout, now: number): Segment[] {
	const state = describeAccount(account, now, layout.fullNames ? undefined : shortModel);
	const gap = ' '.repeat(GAP);
	const segments: Segment[] = [
		{text: ' ● ', tone: GLYPHS[state.tone] ?? 'muted'},
		{text: fit(elideEmail(account.email, layout.email), layout.email)},
		{text: gap + fit(state.text, layout.state), tone: state.tone === 'ok' ? undefined : state.tone},
	];
	if (layout.served > 0) segments.push({text: gap + fit(String(account.requestsServed), layout.served, 'right'), tone: 'muted'});
	for (const model of layout.models) {
		const cell = quotaCell(account, account.models[model], layout.cell, now);
		segments.push({text: gap}, cell);
	}
	return segments;
}

/** The title line: how many accounts, and how many in each state. */
export function overviewTitle(accounts: readonly PoolAccountSnapshot[], now: number): Segment[] {
	const counts = {ok: 0, warn: 0, error: 0, muted: 0};
	for (const account of accounts) {
		const tone = describeAccount(account, now).tone;
		if (tone === 'ok' || tone === 'warn' || tone === 'error' || tone === 'muted') counts[tone]++;
	}
	const segments: Segment[] = [{text: ' Accounts ', bold: true}, {text: String(accounts.length), bold: true, tone: 'accent'}];
	const part = (n: number, label: string, tone: Segment['tone']): void => {
		if (n > 0) segments.push({text: '  ', tone: 'muted'}, {text: `${n} ${label}`, tone});
	};
	part(counts.ok, 'serving', 'ok');
	part(counts.warn, 'limited', 'warn');
	part(counts.error, 'exhausted/invalid', 'error');
	part(counts.muted, 'disabled', 'muted');
	return segments;
}
