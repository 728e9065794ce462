// 1 Home: what a user keeps open. The Google accounts at the top (state in words with live countdowns, which models
// are out and until when, one compact quota bar per model), the live request log below (its own keys: / filter,
// enter details, ↑↓ move). With no account it says why requests will fail and offers `a` to sign one in.
//
// Nothing here ticks by itself: the clock re-renders the account block every second only while a countdown under an
// hour is on screen, otherwise once a minute (clock times, `resets 2h13m`), so an idle dashboard draws nothing.
import {Box} from 'ink';
import {type ReactElement, useState} from 'react';
import {AccountsOverview, overviewHeight} from '../components/AccountsOverview.js';
import {ErrorBoundary} from '../components/ErrorBoundary.js';
import {Line, type Segment} from '../components/Line.js';
import {LoginDialog} from '../components/dialogs/LoginDialog.js';
import {useDashboard} from '../hooks/context.js';
import {useRunner} from '../hooks/useActions.js';
import {MINUTE, SECOND, useNow} from '../hooks/useNow.js';
import {Priority, useKeys} from '../hooks/useKeys.js';
import {useSignal} from '../hooks/useSignal.js';
import type {DashboardInfo} from '../source.js';
import {RequestsPanel} from './RequestsPanel.js';
import {hasSecondsCountdown} from './accountState.js';

/** Single-token mode (AGPROXY_ACCESS_TOKEN): no pool, so no accounts to show or add. */
export function isSingleToken(info: DashboardInfo): boolean {
	return info.singleToken ?? info.strategy === 'single token';
}

const NO_ACCOUNT: Segment[][] = [
	[{text: ' No Google account: ', bold: true, tone: 'error'}, {text: 'requests will fail with 503 until one is added.', tone: 'error'}],
	[{text: ' Press '}, {text: 'a', bold: true, tone: 'key'}, {text: ' to sign in with Google here, or run '}, {text: 'agproxy accounts add', bold: true}, {text: '.'}],
];

const SINGLE_TOKEN: Segment[] = [{text: ' Single-token mode ', bold: true}, {text: '(AGPROXY_ACCESS_TOKEN): every request uses that token; no account pool, no quotas to show.', tone: 'muted'}];

/** The log keeps at least this many lines; the accounts get up to 45 % of the panel. */
const MIN_LOG = 6;

export function HomePanel({width, height, active}: {width: number; height: number; active: boolean}): ReactElement {
	const {source, accounts: accountsStore, clock, notify} = useDashboard();
	const accounts = useSignal(accountsStore.signal);
	const singleToken = isSingleToken(source.info);
	// 1 s while a countdown with seconds is on screen, else a minute.
	let ticking = false;
	try {
		ticking = hasSecondsCountdown(accounts, clock.signal.get());
	} catch {
		// a malformed snapshot: the block's error boundary says so
	}
	const now = useNow(clock, ticking ? SECOND : MINUTE);
	const [login, setLogin] = useState(false);
	const {run, busy} = useRunner();

	useKeys(
		input => {
			if ((input === 'a' || input === 'r') && singleToken) notify('warn', 'Single-token mode (AGPROXY_ACCESS_TOKEN): there is no account pool to add to or refresh.');
			else if (input === 'a') setLogin(true);
			else if (input === 'r') {
				if (!busy) void run(() => source.refreshQuotas(), {busy: 'Refreshing quotas…', done: () => 'Quotas refreshed.'}).then(() => accountsStore.refresh());
			} else return false;
			return true;
		},
		// Below the request log's own keys (its filter takes every key while typing), above the global ones.
		{active: active && !login, priority: Priority.normal - 1},
	);

	let block: ReactElement;
	let blockHeight: number;
	if (singleToken) {
		blockHeight = 1;
		block = <Line segments={SINGLE_TOKEN} width={width} />;
	} else if (accounts.length === 0) {
		blockHeight = NO_ACCOUNT.length + 1;
		block = (
			<Box flexDirection="column" width={width} height={blockHeight}>
				{NO_ACCOUNT.map((segments, index) => (
					<Line key={index} segments={segments} width={width} />
				))}
				<Line segments={[]} width={width} />
			</Box>
		);
	} else {
		const room = Math.max(3, Math.min(Math.floor(height * 0.45), height - MIN_LOG));
		blockHeight = overviewHeight(accounts.length, room);
		// A snapshot the block cannot draw costs the block, not the request log under it.
		block = (
			<ErrorBoundary width={width} height={blockHeight}>
				<AccountsOverview accounts={accounts} now={now} width={width} height={blockHeight} />
			</ErrorBoundary>
		);
	}
	const logHeight = Math.max(2, height - blockHeight);
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden">
			{login ? <LoginDialog width={width} height={height} onClose={() => setLogin(false)} /> : undefined}
			{/* Hidden, not unmounted, under the sign-in: the log keeps its filter, selection and open detail. */}
			<Box display={login ? 'none' : 'flex'} flexDirection="column" width={width} height={height}>
				{block}
				<RequestsPanel width={width} height={logHeight} active={active && !login} />
			</Box>
		</Box>
	);
}
