// 1 Requests: one row per request, newest first, from the ring buffer (published at most ~10 Hz). Errors in red.
// `/` filters (any of user, models, account, status, path, error), ↑↓ j/k move, enter opens the detail view.
// While the selection is on the newest row it follows new requests; once moved it stays on its request.
import {Box} from 'ink';
import {type ReactElement, useMemo, useState} from 'react';
import {type RequestRecord, isFailedRequest} from '../../events.js';
import {Line} from '../components/Line.js';
import {type Column, Table} from '../components/Table.js';
import {TextField} from '../components/TextField.js';
import {clockTime, formatLatency, formatTokens} from '../format.js';
import {useDashboard} from '../hooks/context.js';
import {Priority, useKeys} from '../hooks/useKeys.js';
import {useSignal} from '../hooks/useSignal.js';
import {editText, isDown, isEnter, isEscape, isPageDown, isPageUp, isUp} from '../keymap.js';
import {RequestDetail} from './RequestDetail.js';

function modelCell(record: RequestRecord): string {
	const asked = record.modelAsked ?? '';
	const served = record.modelServed;
	if (served === undefined || served === asked) return asked === '' ? '-' : asked;
	return asked === '' ? served : `${asked}→${served}`;
}

export const REQUEST_COLUMNS: ReadonlyArray<Column<RequestRecord>> = [
	{key: 'time', header: 'TIME', width: 8, value: r => clockTime(r.time)},
	{key: 'user', header: 'USER', grow: 1, min: 5, max: 14, value: r => r.user ?? '-'},
	{key: 'model', header: 'MODEL asked→served', grow: 4, min: 12, max: 48, value: modelCell},
	// The local part identifies a pool account; the detail view has the whole address.
	{key: 'account', header: 'ACCOUNT', grow: 1, min: 6, max: 32, drop: 1, value: r => (r.account === undefined ? '-' : (r.account.split('@')[0] ?? r.account))},
	{key: 'status', header: 'ST', width: 3, align: 'right', value: r => (r.status === 0 ? 'ERR' : String(r.status))},
	{key: 'latency', header: 'LAT/TTFT', width: 10, align: 'right', value: r => (r.ttftMs === undefined ? formatLatency(r.latencyMs) : `${formatLatency(r.latencyMs)}/${formatLatency(r.ttftMs)}`)},
	{key: 'tokens', header: 'IN/OUT/CACHED', width: 13, align: 'right', drop: 2, value: r => formatTokens(r.inputTokens, r.outputTokens, r.cachedTokens)},
	{key: 'stream', header: 'S', width: 1, drop: 3, value: r => (r.stream === true ? '~' : ' ')},
];

export function matchesFilter(record: RequestRecord, filter: string): boolean {
	if (filter === '') return true;
	const needle = filter.toLowerCase();
	const fields = [record.id, record.user, record.modelAsked, record.modelServed, record.account, String(record.status), record.path, record.error];
	return fields.some(value => value !== undefined && value.toLowerCase().includes(needle));
}

const rowKey = (record: RequestRecord): string => record.id;
const rowTone = (record: RequestRecord): 'error' | undefined => (isFailedRequest(record) ? 'error' : undefined);

export function RequestsPanel({width, height, active}: {width: number; height: number; active: boolean}): ReactElement {
	const {requests} = useDashboard();
	const list = useSignal(requests.list);
	const [filter, setFilter] = useState('');
	const [typing, setTyping] = useState(false);
	/** undefined = follow the newest request */
	const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
	const [detail, setDetail] = useState<RequestRecord | undefined>(undefined);

	const rows = useMemo(() => (filter === '' ? list.items : list.items.filter(record => matchesFilter(record, filter))), [list.items, filter]);
	const found = selectedId === undefined ? -1 : rows.findIndex(record => record.id === selectedId);
	const selected = rows.length === 0 ? -1 : found < 0 ? 0 : found;
	const showFilter = typing || filter !== '';
	const tableHeight = Math.max(2, height - (showFilter ? 1 : 0));

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
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{showFilter ? (
				typing ? (
					<TextField label=" /" value={filter} width={width} placeholder="user, model, account, status, error…" />
				) : (
					<Line segments={[{text: ` filter: ${filter}`, tone: 'accent'}, {text: `  ${rows.length} of ${list.items.length}  (/ edit, esc clear)`, tone: 'muted'}]} width={width} />
				)
			) : undefined}
			<Table columns={REQUEST_COLUMNS} rows={rows} rowKey={rowKey} selected={selected} width={width} height={tableHeight} rowTone={rowTone} empty={empty} />
		</Box>
	);
}

