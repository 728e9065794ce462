import {useSyncExternalStore} from 'react';
import type {Signal} from '../store.js';

/** The signal's current value; the component re-renders when it is replaced. */
export function useSignal<T>(signal: Signal<T>): T {
	return useSyncExternalStore(signal.subscribe, signal.get, signal.get);
}
