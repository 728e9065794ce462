// What every panel needs from the dashboard: the source, the live stores, the clock and the status line.
import {createContext, useContext} from 'react';
import type {PoolAccountSnapshot} from '../../accounts/pool.js';
import type {DashboardSource} from '../source.js';
import type {Clock, RequestStore, ThrottledSnapshot} from '../store.js';
import type {Tone} from '../theme.js';

/** Puts a message in the status line; '' clears it (an action starting clears the last one's outcome). */
export type Notify = (tone: Tone, text: string) => void;

export type DashboardContextValue = {
	source: DashboardSource;
	requests: RequestStore;
	accounts: ThrottledSnapshot<readonly PoolAccountSnapshot[]>;
	clock: Clock;
	notify: Notify;
};

export const DashboardContext = createContext<DashboardContextValue | undefined>(undefined);

export function useDashboard(): DashboardContextValue {
	const value = useContext(DashboardContext);
	if (value === undefined) throw new Error('useDashboard outside <Dashboard>');
	return value;
}
