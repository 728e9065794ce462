// A one-line-per-row table that never wraps: column widths are computed from the available width (flexible columns
// share what is left, optional columns are dropped first when it gets narrow), every cell is cut with '…' and padded,
// and only the rows in view are rendered. Rows are memoised: a row re-renders only when its record, its selection or
// the layout changes.
import {Box, Text} from 'ink';
import {type ReactElement, memo, useMemo, useRef} from 'react';
import {fit} from '../format.js';
import {type Theme, type Tone, useTheme} from '../theme.js';

export type Column<T> = {
	key: string;
	header: string;
	/** Fixed width; or `grow` with `min`/`max`. */
	width?: number;
	grow?: number;
	min?: number;
	max?: number;
	align?: 'left' | 'right';
	/** Dropped when the table does not fit, highest first; undefined = always shown. */
	drop?: number;
	value: (row: T) => string;
	tone?: (row: T) => Tone | undefined;
};

export type Laid<T> = {column: Column<T>; width: number};

export const GAP = 1;
/** The selection marker column. */
export const MARKER = 2;

/** Column widths for a table `width` cells wide (marker column included). */
export function layoutColumns<T>(columns: readonly Column<T>[], width: number): Array<Laid<T>> {
	let shown = [...columns];
	const need = (list: readonly Column<T>[]): number => MARKER + list.reduce((sum, column) => sum + (column.width ?? column.min ?? 1), 0) + GAP * Math.max(0, list.length - 1);
	while (need(shown) > width) {
		const droppable = shown.filter(column => column.drop !== undefined);
		if (droppable.length === 0) break;
		const victim = droppable.reduce((a, b) => ((b.drop ?? 0) > (a.drop ?? 0) ? b : a));
		shown = shown.filter(column => column !== victim);
	}
	const widths = shown.map(column => column.width ?? column.min ?? 1);
	let room = width - need(shown);
	// Hand out the room to growing columns by weight, one cell at a time in proportion (respecting max).
	while (room > 0) {
		const growing = shown.map((column, index) => ({column, index})).filter(({column, index}) => column.width === undefined && (column.grow ?? 0) > 0 && (column.max === undefined || (widths[index] ?? 0) < column.max));
		if (growing.length === 0) break;
		const totalWeight = growing.reduce((sum, {column}) => sum + (column.grow ?? 0), 0);
		let given = 0;
		for (const {column, index} of growing) {
			const share = Math.max(1, Math.floor((room * (column.grow ?? 0)) / totalWeight));
			const cap = column.max === undefined ? share : Math.min(share, column.max - (widths[index] ?? 0));
			const take = Math.min(cap, room - given);
			if (take <= 0) continue;
			widths[index] = (widths[index] ?? 0) + take;
			given += take;
		}
		if (given === 0) break;
		room -= given;
	}
	return shown.map((column, index) => ({column, width: widths[index] ?? 1}));
}

/** How many table rows were rendered (memoised rows that did not change are not): the render benchmark reads it. */
export const tableStats = {rowRenders: 0};

type RowProps<T> = {row: T; layout: ReadonlyArray<Laid<T>>; selected: boolean; theme: Theme; rowTone?: Tone | undefined};

function TableRowView<T>({row, layout, selected, theme, rowTone}: RowProps<T>): ReactElement {
	tableStats.rowRenders++;
	// Adjacent cells of the same tone are one Text node: fewer nodes, less for Ink to lay out and write.
	const runs: Array<{tone: Tone | undefined; text: string}> = [];
	layout.forEach(({column, width}, index) => {
		const tone = column.tone?.(row) ?? rowTone;
		const text = fit(column.value(row), width, column.align) + (index < layout.length - 1 ? ' '.repeat(GAP) : '');
		const last = runs[runs.length - 1];
		if (last !== undefined && last.tone === tone) last.text += text;
		else runs.push({tone, text});
	});
	return (
		<Text wrap="truncate-end" inverse={selected} bold={selected}>
			<Text color={theme.color('accent')}>{selected ? '› ' : '  '}</Text>
			{runs.map((run, index) => (
				<Text key={index} color={theme.color(run.tone)}>
					{run.text}
				</Text>
			))}
		</Text>
	);
}

const TableRow = memo(TableRowView) as typeof TableRowView;

/** The first row in view so that `selected` is visible, moving as little as possible from `previous`. */
export function scrollOffset(previous: number, selected: number, visible: number, count: number): number {
	if (visible <= 0) return 0;
	let offset = Math.min(previous, Math.max(0, count - visible));
	if (selected < offset) offset = selected;
	if (selected >= offset + visible) offset = selected - visible + 1;
	return Math.max(0, offset);
}

/** Remembers the scroll position between renders. */
export function useScroll(selected: number, visible: number, count: number): number {
	const ref = useRef(0);
	ref.current = scrollOffset(ref.current, selected, visible, count);
	return ref.current;
}

export type TableProps<T> = {
	columns: readonly Column<T>[];
	rows: readonly T[];
	rowKey: (row: T) => string;
	/** -1 = none */
	selected: number;
	width: number;
	/** Lines for the header and the rows. */
	height: number;
	rowTone?: (row: T) => Tone | undefined;
	empty?: string;
};

export function Table<T>({columns, rows, rowKey, selected, width, height, rowTone, empty}: TableProps<T>): ReactElement {
	const theme = useTheme();
	const layout = useMemo(() => layoutColumns(columns, width), [columns, width]);
	const visible = Math.max(0, height - 1);
	const offset = useScroll(Math.max(0, selected), visible, rows.length);
	const shown = rows.slice(offset, offset + visible);
	const header = `${' '.repeat(MARKER)}${layout.map(({column, width: w}) => fit(column.header, w, column.align)).join(' '.repeat(GAP))}`;
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden">
			<Text bold wrap="truncate-end" color={theme.color('muted')}>
				{header}
			</Text>
			{rows.length === 0 && empty !== undefined ? (
				<Text wrap="truncate-end" color={theme.color('muted')}>
					{fit(`  ${empty}`, width)}
				</Text>
			) : undefined}
			{shown.map((row, index) => (
				<TableRow key={rowKey(row)} row={row} layout={layout} selected={offset + index === selected} theme={theme} rowTone={rowTone?.(row)} />
			))}
		</Box>
	);
}
