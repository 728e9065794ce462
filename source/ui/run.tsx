// Mounts the dashboard full-screen and owns the terminal: alternate screen in, and on every way out (quit, signal, crash,
// exit) Ink unmounted first, raw mode off, alternate screen left, cursor shown — in that order (ink-and-stack.md §5).
import {render} from 'ink';
import {Dashboard} from './Dashboard.js';
import type {DashboardSource} from './source.js';

const ENTER_ALT_SCREEN = '\u001B[?1049h\u001B[?25l';
const LEAVE_ALT_SCREEN = '\u001B[?1049l\u001B[?25h';

export type DashboardHandle = {
	/** Idempotent: safe from signal handlers, 'exit' and crash paths. */
	restore: () => void;
};

export function runDashboard(
	source: DashboardSource,
	options: {onQuit: () => void; stdout?: NodeJS.WriteStream; stdin?: NodeJS.ReadStream},
): DashboardHandle {
	const stdout = options.stdout ?? process.stdout;
	const stdin = options.stdin ?? process.stdin;
	stdout.write(ENTER_ALT_SCREEN);
	const instance = render(<Dashboard source={source} onQuit={options.onQuit} />, {
		stdout,
		stdin,
		exitOnCtrlC: false,
		patchConsole: false,
		// Off: Ink 6.8's incremental writer misplaces lines in this full-screen layout (tmux showed the tab bar twice
		// and stale rows after switching panels; re-checked for issue 11). Frames are few instead (store.ts, useNow.ts).
		incrementalRendering: false,
		maxFps: 10,
	});
	let restored = false;
	const restore = (): void => {
		if (restored) return;
		restored = true;
		try {
			instance.unmount();
		} catch {
			// already unmounted
		}
		try {
			if (stdin.isTTY) stdin.setRawMode(false);
		} catch {
			// stdin closed
		}
		stdout.write(LEAVE_ALT_SCREEN);
	};
	process.once('exit', restore);
	return {restore};
}
