// The full-screen dashboard: header (address, mode, strategy, uptime, traffic), panel tabs, the panel, a status line
// and the keys of the panel. Panel 1 is the home screen (accounts, quotas and the live request log at once); 2-4 are
// for detail and editing. Sized to the terminal (root height rows - 1: at exactly `rows` Ink 6.8 clears the whole
// screen on every frame) and re-laid out on resize. run.tsx mounts it (alternate screen, raw mode, signals).
//
// Live data never reaches React per event: requests go into a ring buffer published within 100 ms at a few requests a
// second, once a second under sustained traffic (10/s or more) and every 2 s in a flood (50/s or more), accounts
// are re-read at most every 500 ms and only an account snapshot that differs is published; the clock ticks once a
// second but a component re-renders only when its own step (1 s for a visible countdown, else a minute) changes
// (store.ts, hooks/useNow.ts). Clipping is vertical only: every line is already cut to the width, and Ink's
// horizontal clipping would re-slice each one on every frame.
import {Box, Text} from 'ink';
import {type ReactElement, useCallback, useEffect, useMemo, useState} from 'react';
import type {PoolAccountSnapshot} from '../accounts/pool.js';
import {ErrorBoundary} from './components/ErrorBoundary.js';
import {Footer} from './components/Footer.js';
import {Header} from './components/Header.js';
import {Help} from './components/Help.js';
import {type Status, StatusLine, pickStatus} from './components/StatusLine.js';
import {TabBar} from './components/TabBar.js';
import {messageOf, truncate} from './format.js';
import {DashboardContext, type DashboardContextValue, type Notify} from './hooks/context.js';
import {KeyProvider, Priority, useKeyRegistry, useKeys} from './hooks/useKeys.js';
import {useSignal} from './hooks/useSignal.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import {HELP_FOOTER, PANELS, type PanelId, footerKeys, isCtrlC} from './keymap.js';
import {AccountsPanel} from './panels/AccountsPanel.js';
import {GroupsPanel} from './panels/GroupsPanel.js';
import {HomePanel} from './panels/HomePanel.js';
import {UsersPanel} from './panels/UsersPanel.js';
import type {DashboardSource} from './source.js';
import {Clock, RequestStore, ThrottledSnapshot, realTimers} from './store.js';
import {ThemeContext, createTheme, noColorFromEnv} from './theme.js';

export type DashboardOptions = {
	/** Requests kept for the request log (default 500). */
	bufferSize?: number;
	/** Longest a request waits before it is shown after a quiet spell, ms (default 100). */
	flushMs?: number;
	/** The same under sustained traffic (10 requests a second or more), ms (default 1000: one log render a second, as htop). */
	busyFlushMs?: number;
	/**
	 * The same in a flood (50 requests a second or more), ms (default 2000 unless `busyFlushMs` is given: then that).
	 * Each publish then replaces every visible row, and each frame costs Ink the same whatever it shows.
	 */
	floodFlushMs?: number;
	/** Accounts are re-read at most this often, ms (default 500). */
	accountsMs?: number;
	/** The clock for countdowns, uptime and rates, ms (default 1000). */
	clockMs?: number;
	/** Default: NO_COLOR set and not empty. */
	noColor?: boolean;
	initialPanel?: PanelId;
};

export type DashboardProps = {
	source: DashboardSource;
	/** q or ctrl+c. The caller unmounts and restores the terminal. */
	onQuit: () => void;
	options?: DashboardOptions;
};

/** Smallest terminal the dashboard lays out in; below it says so. */
export const MIN_COLUMNS = 40;
export const MIN_ROWS = 10;
/** Header 2, tabs 1, status 1, footer 1. */
const CHROME_ROWS = 5;

export function Dashboard({source, onQuit, options = {}}: DashboardProps): ReactElement {
	const theme = useMemo(() => createTheme({noColor: options.noColor ?? noColorFromEnv()}), [options.noColor]);
	return (
		<ThemeContext.Provider value={theme}>
			<KeyProvider>
				<DashboardRoot source={source} onQuit={onQuit} options={options} />
			</KeyProvider>
		</ThemeContext.Provider>
	);
}

function readAccounts(source: DashboardSource): readonly PoolAccountSnapshot[] {
	try {
		return source.accounts();
	} catch {
		return [];
	}
}

/** Two account snapshots that serialise alike are the same: the pool reports a change on every request. */
const accountsKey = (accounts: readonly PoolAccountSnapshot[]): string => JSON.stringify(accounts);

export const DEFAULT_FLUSH_MS = 100;
export const DEFAULT_BUSY_FLUSH_MS = 1000;
export const DEFAULT_FLOOD_FLUSH_MS = 2000;
export const DEFAULT_ACCOUNTS_MS = 500;

function DashboardRoot({source, onQuit, options}: Required<Pick<DashboardProps, 'source' | 'onQuit' | 'options'>>): ReactElement {
	const {columns, rows} = useTerminalSize();
	const [stores] = useState(() => ({
		requests: new RequestStore({...(options.bufferSize === undefined ? {} : {capacity: options.bufferSize}), flushMs: options.flushMs ?? DEFAULT_FLUSH_MS, busyFlushMs: options.busyFlushMs ?? DEFAULT_BUSY_FLUSH_MS, floodFlushMs: options.floodFlushMs ?? options.busyFlushMs ?? DEFAULT_FLOOD_FLUSH_MS}),
		accounts: new ThrottledSnapshot<readonly PoolAccountSnapshot[]>(() => readAccounts(source), options.accountsMs ?? DEFAULT_ACCOUNTS_MS, realTimers, accountsKey),
		clock: new Clock(options.clockMs ?? 1000),
	}));
	const [panel, setPanel] = useState<PanelId>(options.initialPanel ?? 'requests');
	const [help, setHelp] = useState(false);
	const [status, setStatus] = useState<Status | undefined>(undefined);
	const notice = useSignal(stores.requests.notice);

	useEffect(() => {
		const {requests, accounts, clock} = stores;
		const detach = requests.attach(source.bus);
		const stopAccounts = source.onAccounts(accounts.invalidate);
		const stopTick = clock.signal.subscribe(() => {
			requests.decayStats();
			accounts.invalidate();
		});
		clock.start();
		accounts.refresh();
		return () => {
			detach();
			stopAccounts();
			stopTick();
			clock.stop();
			requests.dispose();
			accounts.dispose();
		};
	}, [source, stores]);

	const notify = useCallback<Notify>((tone, text) => setStatus({tone, text, at: Date.now()}), []);
	const keys = useKeyRegistry();
	useEffect(() => {
		if (keys !== undefined) keys.onError = error => notify('error', messageOf(error));
	}, [keys, notify]);
	const context = useMemo<DashboardContextValue>(() => ({source, ...stores, notify}), [source, stores, notify]);

	useKeys(
		(input, key) => {
			if (!isCtrlC(input, key)) return false;
			onQuit();
			return true;
		},
		{priority: Priority.critical},
	);
	useKeys(
		(input, key) => {
			const index = PANELS.findIndex(p => p.id === panel);
			if (input === 'q') onQuit();
			else if (input === '?') setHelp(true);
			else if (key.tab) setPanel(PANELS[(index + (key.shift ? PANELS.length - 1 : 1)) % PANELS.length]?.id ?? 'requests');
			else {
				const chosen = PANELS.find(p => p.digit === input);
				if (chosen === undefined) return false;
				setPanel(chosen.id);
			}
			return true;
		},
		{priority: Priority.low},
	);

	const height = Math.max(1, rows - 1);
	if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
		return (
			<Box width={columns} height={height} overflowY="hidden">
				<Text wrap="truncate-end">{truncate(`Terminal too small: ${columns}x${rows}, need ${MIN_COLUMNS}x${MIN_ROWS}. q quits.`, columns)}</Text>
			</Box>
		);
	}
	const bodyHeight = height - CHROME_ROWS;
	return (
		<DashboardContext.Provider value={context}>
			<Box flexDirection="column" width={columns} height={height} overflowY="hidden">
				<Header width={columns} />
				<TabBar active={panel} width={columns} />
				<Box flexDirection="column" width={columns} height={bodyHeight} overflowY="hidden">
					{help ? <Help width={columns} height={bodyHeight} onClose={() => setHelp(false)} /> : undefined}
					{/* Hidden, not unmounted, under the help: the panel keeps its filter, selection and open view. */}
					<Box display={help ? 'none' : 'flex'} flexDirection="column">
						<ErrorBoundary key={panel} width={columns} height={bodyHeight}>
							<Panel id={panel} width={columns} height={bodyHeight} />
						</ErrorBoundary>
					</Box>
				</Box>
				<StatusLine status={pickStatus(status, notice)} width={columns} />
				<Footer keys={help ? HELP_FOOTER : footerKeys(panel)} width={columns} />
			</Box>
		</DashboardContext.Provider>
	);
}

function Panel({id, width, height}: {id: PanelId; width: number; height: number}): ReactElement {
	switch (id) {
		case 'requests':
			return <HomePanel width={width} height={height} active />;
		case 'accounts':
			return <AccountsPanel width={width} height={height} active />;
		case 'users':
			return <UsersPanel width={width} height={height} active />;
		case 'groups':
			return <GroupsPanel width={width} height={height} active />;
	}
}
