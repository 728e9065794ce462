// Leak checks for tests that break things on purpose: what keeps the process alive (sockets, servers, ref'd timers),
// polling until the system settles, and the heap after a forced collection.
import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

/** The resources keeping the event loop alive, counted by type (unref'd timers and handles are not listed). */
export function activeResources(): Map<string, number> {
	const counts = new Map<string, number>();
	for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
	return counts;
}

/** Types that have more live resources now than in `baseline` ("Timeout: +2"), among `types` (default: all). */
export function resourceGrowth(baseline: ReadonlyMap<string, number>, types?: readonly string[]): string[] {
	const now = activeResources();
	const grown: string[] = [];
	for (const [type, count] of now) {
		if (types !== undefined && !types.includes(type)) continue;
		const before = baseline.get(type) ?? 0;
		if (count > before) grown.push(`${type}: +${count - before}`);
	}
	return grown;
}

/**
 * Polls `check` (every 10 ms) until it returns undefined, meaning "settled"; otherwise it returns what is still wrong,
 * and after `timeoutMs` that text becomes the assertion failure.
 */
export async function settle(check: () => string | undefined | Promise<string | undefined>, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const problem = await check();
		if (problem === undefined) return;
		if (Date.now() > deadline) throw new Error(`did not settle within ${timeoutMs} ms: ${problem}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

let gc: (() => void) | undefined;

/**
 * The heap's data after full collections: heapUsed without the code spaces, whose JIT-compiled code keeps growing while
 * a loop gets hotter (that is not a leak). gc is exposed at run time, so no --expose-gc flag is needed.
 */
export async function heapAfterGc(): Promise<number> {
	if (gc === undefined) {
		setFlagsFromString('--expose_gc');
		gc = runInNewContext('gc') as () => void;
	}
	let lowest = Number.POSITIVE_INFINITY;
	for (let i = 0; i < 3; i++) {
		// Let pending callbacks (socket closes, finalizers) run between collections.
		await new Promise(resolve => setImmediate(resolve));
		gc();
		const data = getHeapSpaceStatistics()
			.filter(space => !space.space_name.startsWith('code_'))
			.reduce((sum, space) => sum + space.space_used_size, 0);
		lowest = Math.min(lowest, data);
	}
	return lowest;
}
