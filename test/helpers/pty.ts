// A command in a real pseudo-terminal (util-linux `script`), its screen as it is drawn, and a way to wait for text on it.
// After the command, the shell prints EXIT=<code> and `stty -a` (to check the terminal was handed back).
import assert from 'node:assert/strict';
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process';
import {once} from 'node:events';

export const LEAVE_ALT_SCREEN = '\u001B[?1049l';

/** The screen's text without escape sequences (colours split words into pieces). */
export const plain = (text: string): string => text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');

export type Pty = {
	child: ChildProcessWithoutNullStreams;
	/** Everything drawn so far, escape sequences included. */
	screen: () => string;
	/** Waits until the pattern shows on the screen (from offset `from`), in plain text. */
	waitFor: (pattern: RegExp, what: string, from?: number) => Promise<RegExpExecArray>;
	type: (text: string) => void;
	exited: Promise<[number | null]>;
	kill: () => void;
};

/**
 * Runs `command` (a shell command line) in a `cols`x`rows` terminal. A clean environment: CI=true would (rightly) make
 * agproxy headless, and the test runner's own variables must not leak into the program under test.
 */
export function startPty(command: string, options: {cols?: number; rows?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Pty {
	const line = `stty cols ${options.cols ?? 120} rows ${options.rows ?? 32}; ${command}; echo "EXIT=$?"; stty -a`;
	const env: NodeJS.ProcessEnv = {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', TERM: 'xterm-256color', LANG: 'C.UTF-8', ...options.env};
	const child = spawn('script', ['-qfec', line, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe'], env});
	const exited = once(child, 'exit') as Promise<[number | null]>;
	let screen = '';
	child.stdout.on('data', chunk => (screen += String(chunk)));
	const waitFor = async (pattern: RegExp, what: string, from = 0): Promise<RegExpExecArray> => {
		const deadline = Date.now() + (options.timeoutMs ?? 30_000);
		while (Date.now() < deadline) {
			const found = pattern.exec(plain(screen.slice(from)));
			if (found) return found;
			if (child.exitCode !== null) break;
			await new Promise(resolve => setTimeout(resolve, 50));
		}
		throw new Error(`timed out waiting for ${what}; screen so far:\n${plain(screen.slice(-3000))}`);
	};
	return {
		child,
		screen: () => screen,
		waitFor,
		type: text => void child.stdin.write(text),
		exited,
		kill: () => {
			if (child.exitCode === null) child.kill('SIGKILL');
		},
	};
}

/**
 * Waits for the command to exit and checks it exited with `code` and gave the terminal back: the alternate screen left
 * before EXIT= and canonical mode on again (`stty -a` after it). The screen and those offsets, for further checks.
 */
export async function assertExitedRestored(pty: Pty, code: number, what: string): Promise<{screen: string; exitAt: number; restoredAt: number}> {
	await pty.waitFor(/EXIT=\d+/, `${what} to exit`);
	await pty.exited;
	const screen = pty.screen();
	assert.match(screen, new RegExp(`EXIT=${code}\\b`));
	const exitAt = screen.indexOf('EXIT=');
	const restoredAt = screen.lastIndexOf(LEAVE_ALT_SCREEN, exitAt);
	assert.ok(restoredAt > 0, 'left the alternate screen');
	assert.match(screen.slice(exitAt), /(^|\s)icanon(\s|$)/m, 'canonical mode back on');
	return {screen, exitAt, restoredAt};
}
