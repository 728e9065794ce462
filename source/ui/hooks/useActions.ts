// Runs dashboard actions: the outcome goes to the status line, a failure never escapes (the UI must not crash), and
// nothing is set on a panel that has gone away meanwhile. Starting an action clears the previous outcome (or shows
// its `busy` text): a message on screen is always about the last thing done.
import {useCallback, useEffect, useRef, useState} from 'react';
import {messageOf} from '../format.js';
import {useDashboard} from './context.js';

/** Runs `work` as a promise: a synchronous throw becomes a rejection (key handlers must never throw). */
export function attempt<T>(work: () => T | Promise<T>): Promise<T> {
	return Promise.resolve().then(work);
}

export type Runner = {
	/** Resolves with the result, or undefined when it failed (the error is in the status line). */
	run: <T>(work: () => Promise<T>, messages: {busy?: string; done?: (result: T) => string | undefined}) => Promise<T | undefined>;
	busy: boolean;
	mounted: () => boolean;
};

export function useRunner(): Runner {
	const {notify} = useDashboard();
	const alive = useRef(true);
	const [busyCount, setBusyCount] = useState(0);
	useEffect(() => {
		alive.current = true;
		return () => {
			alive.current = false;
		};
	}, []);
	const run = useCallback(
		async <T,>(work: () => Promise<T>, messages: {busy?: string; done?: (result: T) => string | undefined}): Promise<T | undefined> => {
			notify('info', messages.busy ?? '');
			setBusyCount(count => count + 1);
			try {
				const result = await work();
				const done = messages.done?.(result);
				if (done !== undefined) notify('ok', done);
				return result;
			} catch (error) {
				notify('error', messageOf(error));
				return undefined;
			} finally {
				if (alive.current) setBusyCount(count => count - 1);
			}
		},
		[notify],
	);
	const mounted = useCallback(() => alive.current, []);
	return {run, busy: busyCount > 0, mounted};
}

/** Data loaded with an action, reloaded on demand and every `refreshMs` (when given). Errors go to the status line. */
export function useQuery<T>(load: () => Promise<T>, options: {refreshMs?: number} = {}): {data: T | undefined; reload: () => Promise<void>; loading: boolean} {
	const {notify} = useDashboard();
	const [data, setData] = useState<T | undefined>(undefined);
	const [loading, setLoading] = useState(true);
	const loadRef = useRef(load);
	loadRef.current = load;
	const alive = useRef(true);
	const reload = useCallback(async () => {
		try {
			const result = await loadRef.current();
			if (alive.current) setData(result);
		} catch (error) {
			if (alive.current) notify('error', messageOf(error));
		} finally {
			if (alive.current) setLoading(false);
		}
	}, [notify]);
	useEffect(() => {
		alive.current = true;
		void reload();
		const every = options.refreshMs;
		const timer = every === undefined ? undefined : setInterval(() => void reload(), every);
		timer?.unref?.();
		return () => {
			alive.current = false;
			if (timer !== undefined) clearInterval(timer);
		};
	}, [reload, options.refreshMs]);
	return {data, reload, loading};
}
