// The home screen's account block: a title with counts by state, a header of model names, then one line per account
// (state in words, live countdowns, one compact quota cell per model). Lines are computed in accountsOverview.ts and
// memoised: a line re-renders only when its text changes. More accounts than fit end with `+N more (2 Accounts)`.
import {Box} from 'ink';
import {type ReactElement, memo, useMemo} from 'react';
import type {PoolAccountSnapshot} from '../../accounts/pool.js';
import {chooseLayout, overviewHeader, overviewModels, overviewRow, overviewTitle} from '../panels/accountsOverview.js';
import {Line, type Segment} from './Line.js';

/** Lines the block takes for `count` accounts when at most `room` lines are free (title and header included). */
export function overviewHeight(count: number, room: number): number {
	return Math.max(0, Math.min(count + 2, room));
}

const segmentsKey = (segments: readonly Segment[]): string => segments.map(s => `${s.tone ?? ''}|${s.bold === true ? 1 : 0}|${s.text}`).join('\u0000');

/** A line that re-renders only when its text or colours change (the snapshot is a new object on every read). */
const OverviewLine = memo(
	function OverviewLine({segments, width}: {segments: Segment[]; width: number; signature: string}): ReactElement {
		return <Line segments={segments} width={width} />;
	},
	(a, b) => a.signature === b.signature && a.width === b.width,
);

export function AccountsOverview({accounts, now, width, height}: {accounts: readonly PoolAccountSnapshot[]; now: number; width: number; height: number}): ReactElement {
	const lines = useMemo(() => {
		const layout = chooseLayout(accounts, overviewModels(accounts, now), width, now);
		const rows = Math.max(0, height - 2);
		const cut = accounts.length > rows;
		const shown = cut ? accounts.slice(0, Math.max(0, rows - 1)) : accounts;
		const out: Array<{key: string; segments: Segment[]}> = [
			{key: 'title', segments: overviewTitle(accounts, now)},
			{key: 'header', segments: overviewHeader(layout)},
			...shown.map(account => ({key: account.email, segments: overviewRow(account, layout, now)})),
		];
		if (cut) out.push({key: 'more', segments: [{text: `   +${accounts.length - shown.length} more  (2 Accounts lists them all)`, tone: 'muted'}]});
		return out;
	}, [accounts, now, width, height]);
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden">
			{lines.map(line => (
				<OverviewLine key={line.key} segments={line.segments} width={width} signature={segmentsKey(line.segments)} />
			))}
		</Box>
	);
}
