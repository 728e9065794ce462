// Two lines: where agproxy listens and how (mode, strategy, uptime), then the traffic (requests per minute, in flight,
// errors). Re-renders once a minute for the uptime and on published request stats (at most ~4 Hz under load; the
// per-minute rates decay by the second for a minute after the last request, then nothing changes).
import {Box} from 'ink';
import {type ReactElement, memo} from 'react';
import {formatUptime} from '../format.js';
import {useDashboard} from '../hooks/context.js';
import {MINUTE, useNow} from '../hooks/useNow.js';
import {useSignal} from '../hooks/useSignal.js';
import {Line, type Segment} from './Line.js';

/** The header reads live values from the server; one failing read (say, during shutdown) must not blank the screen. */
function safely<T>(read: () => T, fallback: T): T {
	try {
		return read();
	} catch {
		return fallback;
	}
}

function HeaderView({width}: {width: number}): ReactElement {
	const {source, requests, clock} = useDashboard();
	const now = useNow(clock, MINUTE);
	const stats = useSignal(requests.stats);
	const {info} = source;
	const keyed = safely(() => info.keyed(), false);
	const inFlight = safely(() => source.inFlight(), 0);
	const sep: Segment = {text: '  ', tone: 'muted'};
	const first: Segment[] = [
		{text: ' agproxy', tone: 'accent', bold: true},
		{text: ` ${info.version}`, tone: 'muted'},
		sep,
		{text: info.url, bold: true},
		sep,
		{text: keyed ? 'keyed' : 'open', tone: keyed ? 'ok' : 'warn'},
		sep,
		...(info.mode === undefined ? [] : [{text: info.mode, tone: 'warn'} as const, sep]),
		{text: `strategy ${info.strategy}`},
		sep,
		{text: `up ${formatUptime(now - info.startedAt)}`, tone: 'muted'},
	];
	const second: Segment[] = [
		{text: ` ${stats.perMinute}`, bold: true},
		{text: ' req/min'},
		sep,
		{text: String(inFlight), bold: true, tone: inFlight > 0 ? 'accent' : undefined},
		{text: ' in flight'},
		sep,
		{text: `${stats.errorsPerMinute} err/min`, tone: stats.errorsPerMinute > 0 ? 'error' : undefined},
		{text: ` (${stats.errors} of ${stats.total} since start)`, tone: stats.errors > 0 ? 'warn' : 'muted'},
	];
	return (
		<Box flexDirection="column" width={width}>
			<Line segments={first} width={width} />
			<Line segments={second} width={width} />
		</Box>
	);
}

export const Header = memo(HeaderView);
