// 1 Requests: one row per request, newest first, from the ring buffer (published at most ~10 Hz).
// Columns follow the width: the narrowest terminal gets time, user, model (or the call, for requests that name no
// model: `GET /v1/models`), status, latency and tokens; wider ones add the account, time to first token, cached
// tokens and the request id. Statuses are coloured by class (4xx yellow, 5xx and failures red, whole row red).
// `/` filters on the text of the columns on screen, nothing hidden; ↑↓ j/k move, enter opens the detail view.
// While the selection is on the newest row it follows new requests; once moved it stays on its request.
// A one-line legend under the table explains the symbols when there is room (and `?` always does).
import {Box} from 'ink';
import {type ReactElement, useMemo, useState} from 'react';
import {type RequestRecord, isFailedRequest} from '../../events.js';
import {Line, type Segment} from '../components/Line.js';
import {type Column, Table, layoutColumns} from '../components/Table.js';
import {TextField} from '../components/TextField.js';
import {clockTime, compact, formatLatency} from '../format.js';
import {useDashboard} from '../hooks/context.js';
import {Priority, useKeys} from '../hooks/useKeys.js';
import {useSignal} from '../hooks/useSignal.js';
import {REQUEST_LEGEND, editText, isDown, isEnter, isEscape, isPageDown, isPageUp, isUp} from '../keymap.js';
import type {Tone} from '../theme.js';
import {RequestDetail} from './RequestDetail.js';

/** The Messages call: requests on it (and count_tokens) name a model; every other call is shown by its path. */
function namesModel(record: RequestRecord): boolean {
	return (record.modelAsked ?? '') !== '' || (record.modelServed ?? '') !== '';
}

/** `asked→served` (one name when they are the same), or `METHOD /path` for a call without a model. */
export function modelOrCall(record: RequestRecord): string {
	if (!namesModel(record)) return `${record.method} ${record.path}`;
	const asked = record.modelAsked ?? '';
	const served = record.modelServed;
	if (served === undefined || served === '' || served === asked) return asked;
	return asked === '' ? served : `${asked}→${served}`;
}

export function statusText(record: RequestRecord): string {
	return record.status === 0 ? 'ERR' : String(record.status);
}

/** 4xx yellow (refused, limited), 5xx, no status, or a failure after the answer began red; success uncoloured. */
export function statusTone(record: RequestRecord): Tone | undefined {
	if (record.status === 0 || record.status >= 500) return 'error';
	if (record.status >= 400) return 'warn';
	return isFailedRequest(record) ? 'error' : undefined;
}

const part = (n: number | undefined): string => (n === undefined ? '-' : compact(n));

// `drop`: the highest goes first when the terminal is narrow. Below ~84 columns the id, cached tokens and ttft are gone.
export const REQUEST_COLUMNS: ReadonlyArray<Column<RequestRecord>> = [
	{key: 'time', header: 'TIME', width: 8, value: r => clockTime(r.time)},
	{key: 'user', header: 'USER', grow: 1, min: 8, max: 16, value: r => r.user ?? '-'},
	{key: 'model', header: 'MODEL asked→served/CALL', grow: 4, min: 24, max: 52, value: modelOrCall},
	// The local part names a pool account (never a 100-character address column); the detail view has all of it.
	{key: 'account', header: 'ACCOUNT', grow: 1, min: 7, max: 20, drop: 3, value: r => (r.account === undefined ? '-' : (r.account.split('@')[0] ?? r.account))},
	{key: 'status', header: 'ST', width: 3, align: 'right', value: statusText, tone: statusTone},
	{key: 'latency', header: 'LAT', width: 6, align: 'right', value: r => formatLatency(r.latencyMs)},
	{key: 'ttft', header: 'TTFT', width: 6, align: 'right', drop: 4, value: r => formatLatency(r.ttftMs)},
	{key: 'tokens', header: 'IN/OUT', width: 9, align: 'right', drop: 2, value: r => (r.inputTokens === undefined && r.outputTokens === undefined ? '-' : `${part(r.inputTokens)}/${part(r.outputTokens)}`)},
	{key: 'cached', header: 'CACHED', width: 6, align: 'right', drop: 5, value: r => part(r.cachedTokens)},
	{key: 'stream', header: 'S', width: 1, value: r => (r.stream === true ? '~' : ' ')},
	{key: 'id', header: 'REQUEST ID', width: 28, drop: 6, value: r => r.id},
];

/**
 * Whether the request's cells on screen contain `filter` (case-insensitive): exactly the columns shown at this width,
 * whole values (a cell cut with '…' still matches on its full text), never a field that is not on screen.
 */
export function matchesFilter(record: RequestRecord, filter: string, columns: ReadonlyArray<Column<RequestRecord>> = REQUEST_COLUMNS): boolean {
	if (filter === '') return true;
	const needle = filter.toLowerCase();
	return columns.some(column => column.key !== 'stream' && column.value(record).toLowerCase().includes(needle));
}

const rowKey = (record: RequestRecord): string => record.id;
/** Failed rows are red, except refusals (4xx), whose status alone is yellow. */
const rowTone = (record: RequestRecord): 'error' | undefined => (statusTone(record) === 'error' ? 'error' : undefined);

/** The legend line: what the marks and colours of the table mean. */
function legendSegments(): Segment[] {
	const segments: Segment[] = [{text: ' '}];
	REQUEST_LEGEND.forEach(([mark, meaning, tone], index) => {
		segments.push({text: mark, tone: tone ?? 'key', bold: true}, {text: ` ${meaning}${index < REQUEST_LEGEND.length - 1 ? '  ' : ''}`, tone: 'muted'});
	});
	return segments;
}

export type RequestsPanelProps = {
	width: number;
	height: number;
	/** Whether the panel takes keys (false while something else has the keyboard). */
	active: boolean;
	/** The legend line under the table: 'auto' (default) when the panel has room for it (12 lines or more). */
	legend?: 'auto' | false;
};

/** Lines the panel needs before it gives one to the legend. */
export const LEGEND_MIN_HEIGHT = 12;

export function RequestsPanel({width, height, active, legend = 'auto'}: RequestsPanelProps): ReactElement {
	const {requests} = useDashboard();
	const list = useSignal(requests.list);
	const [filter, setFilter] = useState('');
	const [typing, setTyping] = useState(false);
	/** undefined = follow the newest request */
	const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
	const [detail, setDetail] = useState<RequestRecord | undefined>(undefined);

	const shownColumns = useMemo(() => layoutColumns(REQUEST_COLUMNS, width).map(laid => laid.column), [width]);
	const rows = useMemo(() => (filter === '' ? list.items : list.items.filter(record => matchesFilter(record, filter, shownColumns))), [list.items, filter, shownColumns]);
	const found = selectedId === undefined ? -1 : rows.findIndex(record => record.id === selectedId);
	const selected = rows.length === 0 ? -1 : found < 0 ? 0 : found;
	const showFilter = typing || filter !== '';
	const showLegend = legend === 'auto' && height >= LEGEND_MIN_HEIGHT;
	const tableHeight = Math.max(2, height - (showFilter ? 1 : 0) - (showLegend ? 1 : 0));

	const moveTo = (index: number): void => {
		const clamped = Math.max(0, Math.min(rows.length - 1, index));
		setSelectedId(clamped <= 0 ? undefined : rows[clamped]?.id);
	};

	useKeys(
		(input, key) => {
			if (detail !== undefined) {
				if (isEscape(input, key) || isEnter(input, key)) {
					setDetail(undefined);
					return true;
				}
				return false;
			}
			if (typing) {
				if (isEscape(input, key)) {
					setFilter('');
					setTyping(false);
				} else if (isEnter(input, key)) setTyping(false);
				else if (key.upArrow || key.downArrow) {
					setTyping(false);
					return false;
				} else {
					const next = editText(filter, input, key);
					if (next !== undefined) {
						setFilter(next);
						setSelectedId(undefined);
					}
				}
				return true;
			}
			if (input === '/') {
				setTyping(true);
				return true;
			}
			if (isEscape(input, key) && filter !== '') {
				setFilter('');
				setSelectedId(undefined);
				return true;
			}
			const page = Math.max(1, tableHeight - 2);
			if (isDown(input, key)) moveTo(selected + 1);
			else if (isUp(input, key)) moveTo(selected - 1);
			else if (isPageDown(input, key)) moveTo(selected + page);
			else if (isPageUp(input, key)) moveTo(selected - page);
			else if (input === 'g' || key.home) moveTo(0);
			else if (input === 'G' || key.end) moveTo(rows.length - 1);
			else if (isEnter(input, key)) {
				const record = rows[selected];
				if (record !== undefined) setDetail(record);
			} else return false;
			return true;
		},
		{active, priority: Priority.normal, text: typing},
	);

	if (detail !== undefined) return <RequestDetail record={detail} width={width} height={height} />;
	const empty = list.items.length === 0 ? 'No requests yet.' : `No request matches '${filter}'.`;
	const placeholder = `${shownColumns.filter(column => column.key !== 'stream' && column.key !== 'time').map(column => column.key).join(', ')}, as shown`;
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden">
			{showFilter ? (
				typing ? (
					<TextField label=" /" value={filter} width={width} placeholder={placeholder} />
				) : (
					<Line segments={[{text: ` filter: ${filter}`, tone: 'accent'}, {text: `  ${rows.length} of ${list.items.length}  (/ edit, esc clear)`, tone: 'muted'}]} width={width} />
				)
			) : undefined}
			<Table columns={REQUEST_COLUMNS} rows={rows} rowKey={rowKey} selected={selected} width={width} height={tableHeight} rowTone={rowTone} empty={empty} />
			{showLegend ? <Line segments={legendSegments()} width={width} /> : undefined}
		</Box>
	);
}
