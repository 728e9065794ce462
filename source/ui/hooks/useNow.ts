// The clock as a component needs it: `now` rounded down to `stepMs`. The dashboard's clock ticks every second, but a
// component re-renders only when its own step changes: 1 s while it shows a live countdown, a minute for uptimes and
// clock times. So an idle dashboard with no countdown on screen renders (and draws) nothing from one minute to the next.
import {useCallback, useSyncExternalStore} from 'react';
import type {Clock} from '../store.js';

export const SECOND = 1000;
export const MINUTE = 60_000;

export function useNow(clock: Clock, stepMs: number): number {
	const read = useCallback(() => Math.floor(clock.signal.get() / stepMs) * stepMs, [clock, stepMs]);
	return useSyncExternalStore(clock.signal.subscribe, read, read);
}
