// enter on a request: what was asked and served, timings and tokens, every upstream attempt (which account, which
// endpoint, what went wrong), and the error text. esc goes back.
import {Box} from 'ink';
import type {ReactElement} from 'react';
import {type RequestRecord, isFailedRequest} from '../../events.js';
import {Line, type Segment} from '../components/Line.js';
import {type Column, Table} from '../components/Table.js';
import {clockTime, formatLatency, formatTokens, wrapLines} from '../format.js';

type Attempt = NonNullable<RequestRecord['attempts']>[number] & {index: number};

const ATTEMPT_COLUMNS: ReadonlyArray<Column<Attempt>> = [
	{key: 'n', header: '#', width: 2, align: 'right', value: a => String(a.index)},
	{key: 'account', header: 'ACCOUNT', grow: 2, min: 10, value: a => a.accountId},
	{key: 'endpoint', header: 'ENDPOINT', grow: 1, min: 6, max: 24, drop: 1, value: a => a.endpoint ?? '-'},
	{key: 'status', header: 'ST', width: 3, align: 'right', value: a => (a.status === 0 ? '-' : String(a.status)), tone: a => (a.status >= 400 || a.status === 0 ? 'error' : 'ok')},
	{key: 'error', header: 'WHY', grow: 3, min: 10, value: a => a.error ?? (a.status < 400 && a.status !== 0 ? 'ok' : '')},
];

function field(label: string, value: string, tone?: Segment['tone']): Segment[] {
	return [{text: ` ${label.padEnd(9)}`, tone: 'muted'}, {text: value, tone}];
}

export function RequestDetail({record, width, height}: {record: RequestRecord; width: number; height: number}): ReactElement {
	const error = isFailedRequest(record);
	const asked = record.modelAsked ?? '-';
	const served = record.modelServed;
	const model = served === undefined || served === asked ? asked : `${asked} → ${served}`;
	const attempts: Attempt[] = (record.attempts ?? []).map((attempt, index) => ({...attempt, index: index + 1}));
	const summary: Segment[][] = [
		[{text: ' Request ', bold: true}, {text: record.id, bold: true, tone: 'accent'}, {text: '  esc back', tone: 'key'}],
		field('time', `${clockTime(record.time)}  (${record.time})`),
		field('call', `${record.method} ${record.path}${record.stream === true ? '  (stream)' : ''}`),
		field('user', record.user ?? '-'),
		field('model', model),
		field('account', record.account ?? '-'),
		[
			...field('status', String(record.status), error ? 'error' : 'ok'),
			{text: `   latency ${formatLatency(record.latencyMs)}   ttft ${formatLatency(record.ttftMs)}`},
		],
		field('tokens', `in/out/cached ${formatTokens(record.inputTokens, record.outputTokens, record.cachedTokens)}`),
	];
	const errorText = record.error ?? '';
	const errorLines = errorText === '' ? 0 : Math.min(4, Math.max(1, height - summary.length - 4 - Math.min(attempts.length + 1, 4)));
	const attemptsHeight = Math.max(0, height - summary.length - 2 - (errorLines > 0 ? errorLines + 1 : 0));
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{summary.map((segments, index) => (
				<Line key={index} segments={segments} width={width} />
			))}
			<Line segments={[{text: ` Upstream attempts (${attempts.length})`, bold: true}, {text: attempts.length === 0 ? '  none recorded' : '', tone: 'muted'}]} width={width} />
			{attempts.length > 0 && attemptsHeight >= 2 ? (
				<Table columns={ATTEMPT_COLUMNS} rows={attempts} rowKey={a => String(a.index)} selected={-1} width={width} height={Math.min(attempts.length + 1, attemptsHeight)} />
			) : undefined}
			{errorLines > 0 ? <Line segments={[{text: ' Error', bold: true, tone: 'error'}]} width={width} /> : undefined}
			{errorLines > 0
				? wrapLines(errorText, width - 2, errorLines).map((line, index) => <Line key={`e${index}`} segments={[{text: ` ${line}`, tone: 'error'}]} width={width} />)
				: undefined}
		</Box>
	);
}
