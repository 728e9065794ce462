// The full-screen dashboard: header (address, mode, strategy, uptime, traffic), panel tabs, the panel, a status line
// and the keys of the panel. Sized to the terminal (root height rows - 1: at exactly `rows` Ink 6.8 clears the whole
// screen on every frame) and re-laid out on resize. run.tsx mounts it (alternate screen, raw mode, signals).
//
// Live data never reaches React per event: requests go into a ring buffer published at most every 100 ms, accounts
// are re-read at most every 250 ms, countdowns tick once a second (store.ts).
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
import {RequestsPanel} from './panels/RequestsPanel.js';
import {UsersPanel} from './panels/UsersPanel.js';
import type {DashboardSource} from './source.js';
import {Clock, RequestStore, ThrottledSnapshot} from './store.js';
import {ThemeContext, createTheme, noColorFromEnv} from './theme.js';

export type DashboardOptions = {
	/** Requests kept for the Requests panel (default 500). */
	bufferSize?: number;
	/** Longest a request waits before it is shown, ms (default 100: at most ~10 renders a second). */
	flushMs?: number;
	/** Accounts are re-read at most this often, ms (default 250). */
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

function DashboardRoot({source, onQuit, options}: Required<Pick<DashboardProps, 'source' | 'onQuit' | 'options'>>): ReactElement {
	const {columns, rows} = useTerminalSize();
	const [stores] = useState(() => ({
		requests: new RequestStore({...(options.bufferSize === undefined ? {} : {capacity: options.bufferSize}), ...(options.flushMs === undefined ? {} : {flushMs: options.flushMs})}),
		accounts: new ThrottledSnapshot<readonly PoolAccountSnapshot[]>(() => readAccounts(source), options.accountsMs ?? 250),
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
			requests.refreshStats();
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
			<Box width={columns} height={height} overflow="hidden">
				<Text wrap="truncate-end">{truncate(`Terminal too small: ${columns}x${rows}, need ${MIN_COLUMNS}x${MIN_ROWS}. q quits.`, columns)}</Text>
			</Box>
		);
	}
	const bodyHeight = height - CHROME_ROWS;
	return (
		<DashboardContext.Provider value={context}>
			<Box flexDirection="column" width={columns} height={height} overflow="hidden">
				<Header width={columns} />
				<TabBar active={panel} width={columns} />
				<Box flexDirection="column" width={columns} height={bodyHeight} overflow="hidden">
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
			return <RequestsPanel width={width} height={height} active />;
		case 'accounts':
			return <AccountsPanel width={width} height={height} active />;
		case 'users':
			return <UsersPanel width={width} height={height} active />;
		case 'groups':
			return <GroupsPanel width={width} height={height} active />;
	}
}
