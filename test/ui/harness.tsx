// Renders the dashboard with ink-testing-library at a chosen terminal size, and types keys into its fake stdin.
// ink-testing-library's stdin says isTTY = true, so Ink reports isRawModeSupported === true and useInput is active.
import {render} from 'ink-testing-library';
import {Profiler, type ReactElement} from 'react';
import {Dashboard, type DashboardOptions} from '../../source/ui/Dashboard.js';
import type {FakeSource} from './fake-source.js';

const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007]*\u0007/g;

export const strip = (text: string): string => text.replace(ANSI, '');

/** Lets React 19 flush effects and Ink write the frame (a lone ESC also needs Ink's setImmediate flush). */
export async function tick(ms = 0): Promise<void> {
	await new Promise<void>(resolve => setImmediate(resolve));
	await new Promise<void>(resolve => setTimeout(resolve, ms));
	await new Promise<void>(resolve => setImmediate(resolve));
}

export const KEYS = {
	enter: '\r',
	escape: '\u001B',
	tab: '\t',
	shiftTab: '\u001B[Z',
	up: '\u001B[A',
	down: '\u001B[B',
	backspace: '\u007F',
	ctrlC: '\u0003',
} as const;

export type Dash = {
	frame: () => string;
	/** The last frame as written, escape sequences included. */
	raw: () => string;
	lines: () => string[];
	press: (...keys: string[]) => Promise<void>;
	/** Writes the keys back to back in one go (no tick between them), then waits a tick: a fast typist or a paste. */
	burst: (...keys: string[]) => Promise<void>;
	type: (text: string) => Promise<void>;
	/** Waits until the frame contains `text` (or the predicate holds); throws with the frame after `ms`. */
	waitFor: (what: string | ((frame: string) => boolean), ms?: number) => Promise<string>;
	/** React commits (a Profiler: counts only in development builds). */
	renders: () => number;
	/** Frames Ink wrote (one per render it flushed to the terminal). */
	frames: () => number;
	quits: () => number;
	unmount: () => void;
	stdout: {columns: number; rows: number; emit: (event: 'resize') => boolean};
	resize: (columns: number, rows: number) => Promise<void>;
};

export async function renderDashboard(source: FakeSource, options: {columns?: number; rows?: number; dashboard?: DashboardOptions} = {}): Promise<Dash> {
	let renders = 0;
	let quits = 0;
	const tree: ReactElement = (
		<Profiler id="dashboard" onRender={() => renders++}>
			<Dashboard source={source} onQuit={() => quits++} options={{noColor: true, ...options.dashboard}} />
		</Profiler>
	);
	const instance = render(tree);
	const stdout = instance.stdout as unknown as Dash['stdout'];
	const resize = async (columns: number, rows: number): Promise<void> => {
		Object.defineProperty(stdout, 'columns', {value: columns, configurable: true});
		Object.defineProperty(stdout, 'rows', {value: rows, configurable: true});
		stdout.emit('resize');
		await tick();
	};
	await resize(options.columns ?? 80, options.rows ?? 24);
	const frame = (): string => strip(instance.lastFrame() ?? '');
	const press = async (...keys: string[]): Promise<void> => {
		for (const key of keys) {
			instance.stdin.write(key);
			await tick();
		}
	};
	// Generous: a loaded machine (the full suite runs files in parallel) is slow, and a test should not fail for that.
	const waitFor = async (what: string | ((frame: string) => boolean), ms = 10_000): Promise<string> => {
		const test = typeof what === 'string' ? (f: string) => f.includes(what) : what;
		const until = Date.now() + ms;
		for (;;) {
			const current = frame();
			if (test(current)) {
				// Ink registers input handlers in effects that run after the frame is drawn: let them settle before the
				// caller presses the next key, or the key can reach no handler.
				await tick(30);
				return current;
			}
			if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'string' ? JSON.stringify(what) : 'a condition'}; frame:\n${current}`);
			await tick(10);
		}
	};
	const burst = async (...keys: string[]): Promise<void> => {
		for (const key of keys) instance.stdin.write(key);
		await tick();
	};
	return {
		burst,
		frame,
		raw: () => instance.lastFrame() ?? '',
		lines: () => frame().split('\n'),
		press,
		type: async text => {
			for (const char of text) await press(char);
		},
		waitFor,
		renders: () => renders,
		frames: () => instance.frames.length,
		quits: () => quits,
		unmount: () => {
			instance.unmount();
			instance.cleanup();
		},
		stdout,
		resize,
	};
}

/** Every line of the frame fits in `columns` cells (the frame is plain text here: NO_COLOR). */
export function overlong(frame: string, columns: number): string[] {
	return frame.split('\n').filter(line => [...line].length > columns);
}
