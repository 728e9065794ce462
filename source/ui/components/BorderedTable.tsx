// A boxed table drawn by ink-table (the ESM fork @alcalzone/ink-table, installed under the name ink-table): for plain
// lists of short values, e.g. the users. ink-table sizes each column by String(value).length and never cuts, so every
// value (and header: ink-table shows the column keys as headings) is fitted here first to a width from the same
// layout as Table.tsx, less ink-table's borders and padding: nothing wraps, nothing runs past `width`.
// Cells are coloured by column (a tone from the cell's text); the selected row carries the '›' marker. Lists whose
// cells hold bars or whole-row colours use Table.tsx.
import {Box, Text} from 'ink';
import {Table as InkTable} from 'ink-table';
import {type ReactElement, type ReactNode, useMemo} from 'react';
import {fit} from '../format.js';
import {type Tone, useTheme} from '../theme.js';
import {type Column, GAP, MARKER, layoutColumns, useScroll} from './Table.js';

/** Cells ink-table adds per column: one space of padding each side and one border. */
const PER_COLUMN = 3;

export type BorderedColumn<T> = Omit<Column<T>, 'tone'> & {/** the cell's colour, from its text */ tone?: (text: string) => Tone | undefined};

export type BorderedLayout<T> = Array<{column: BorderedColumn<T>; width: number; heading: string}>;

/** Column widths so that the whole table (borders included) is at most `width` cells. */
export function layoutBordered<T>(columns: readonly BorderedColumn<T>[], width: number): BorderedLayout<T> {
	// layoutColumns counts a marker column and one gap between columns; ink-table needs 3 cells per column plus 1.
	const budget = (count: number): number => width - 1 - PER_COLUMN * count + MARKER + GAP * Math.max(0, count - 1);
	// The columns kept depend on the budget, which depends on how many are kept: settle it from the full set down.
	let laid = layoutColumns(columns as readonly Column<T>[], budget(columns.length));
	for (let guard = 0; guard < columns.length; guard++) {
		const next = layoutColumns(columns as readonly Column<T>[], budget(laid.length));
		if (next.length === laid.length) {
			laid = next;
			break;
		}
		laid = next;
	}
	return laid.map(({column, width: w}) => ({column: column as BorderedColumn<T>, width: w, heading: fit(column.header, w).trimEnd()}));
}

/** Lines ink-table draws for `rows` rows: top border, headings, a separator and a line per row, bottom border. */
export const borderedHeight = (rows: number): number => 3 + 2 * rows;

export type BorderedTableProps<T> = {
	columns: readonly BorderedColumn<T>[];
	rows: readonly T[];
	/** -1 = none */
	selected: number;
	width: number;
	height: number;
	empty?: string;
};

export function BorderedTable<T>({columns, rows, selected, width, height, empty}: BorderedTableProps<T>): ReactElement {
	const theme = useTheme();
	const layout = useMemo(() => layoutBordered(columns, width - 2), [columns, width]);
	const visible = Math.max(1, Math.floor((height - 3) / 2));
	const offset = useScroll(Math.max(0, selected), visible, rows.length);
	const shown = rows.slice(offset, offset + visible);
	const data = shown.map((row, index) =>
		Object.fromEntries(layout.map(({column, width: w, heading}, columnIndex) => {
			const marker = columnIndex === 0 ? (offset + index === selected ? '› ' : '  ') : '';
			return [heading, marker + fit(column.value(row), w - marker.length, column.align)];
		})),
	);
	const tones = layout.map(({column}) => column.tone);
	// ink-table renders these as components: they must keep their identity between renders.
	const parts = useMemo(
		() => ({
			header: ({children}: {children?: ReactNode}) => (
				<Text bold color={theme.color('muted')}>
					{children}
				</Text>
			),
			skeleton: ({children}: {children?: ReactNode}) => <Text color={theme.color('muted')}>{children}</Text>,
			cell: ({column, children}: {column: number; children?: ReactNode}) => {
				const text = String(children ?? '');
				const selectedRow = column === 0 && text.includes('›');
				return (
					<Text color={theme.color(selectedRow ? 'accent' : tones[column]?.(text.trim()))} bold={selectedRow}>
						{children}
					</Text>
				);
			},
		}),
		// tones come from `columns`, which the panels define once.
		[theme, columns, layout],
	);
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden" paddingLeft={1}>
			<InkTable data={data} columns={layout.map(({heading}) => heading)} header={parts.header} skeleton={parts.skeleton} cell={parts.cell} />
			{rows.length === 0 && empty !== undefined ? <Text color={theme.color('muted')}>{fit(` ${empty}`, width - 2)}</Text> : undefined}
		</Box>
	);
}
