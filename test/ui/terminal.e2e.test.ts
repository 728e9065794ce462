// The dashboard in a real pseudo-terminal (util-linux `script`): start `agproxy --simulate`, see a request in the log, add a user
// and see its key, quit with `q` or SIGTERM, and check the terminal was handed back: alternate screen left, cursor shown, raw mode off.
import assert from 'node:assert/strict';
import {type ChildProcessWithoutNullStreams, execFileSync, spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';

const LEAVE_ALT_SCREEN = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';
/** The screen's text without escape sequences (colours split words into pieces). */
const plain = (text: string): string => text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');

type Pty = {
	child: ChildProcessWithoutNullStreams;
	screen: () => string;
	/** Waits until the pattern shows on the screen (from offset `from`), in plain text. */
	waitFor: (pattern: RegExp, what: string, from?: number) => Promise<RegExpExecArray>;
	exited: Promise<[number | null]>;
	close: () => void;
};

/** `agproxy --simulate` with its dashboard in a 100x30 pseudo-terminal; after it exits, the shell prints EXIT=<code> and `stty -a`. */
function startInPty(): Pty {
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-pty-'));
	// After agproxy exits, print the terminal's line settings: raw mode left on would show -icanon -echo.
	const command = `stty cols 100 rows 30; node --import tsx cli.tsx --simulate --port 0 --data-dir '${dataDir}'; echo "EXIT=$?"; stty -a`;
	// A clean environment: CI runs the tests with CI=true, which would (rightly) make agproxy headless, and the test
	// runner's own variables must not leak into the program under test. These tests want the interactive dashboard.
	const env: NodeJS.ProcessEnv = {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', TERM: 'xterm-256color', LANG: 'C.UTF-8'};
	const child = spawn('script', ['-qfec', command, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe'], env});
	// Listen for the exit from the start: it can come before the test gets to wait for it.
	const exited = once(child, 'exit') as Promise<[number | null]>;
	let screen = '';
	child.stdout.on('data', chunk => (screen += String(chunk)));
	const waitFor = async (pattern: RegExp, what: string, from = 0): Promise<RegExpExecArray> => {
		const deadline = Date.now() + 30_000;
		while (Date.now() < deadline) {
			const found = pattern.exec(plain(screen.slice(from)));
			if (found) return found;
			if (child.exitCode !== null) break;
			await new Promise(resolve => setTimeout(resolve, 50));
		}
		throw new Error(`timed out waiting for ${what}; screen so far:\n${screen.slice(-2000)}`);
	};
	return {
		child,
		screen: () => screen,
		waitFor,
		exited,
		close: () => {
			child.kill('SIGKILL');
			rmSync(dataDir, {recursive: true, force: true});
		},
	};
}

/** After agproxy exited with `code`: the alternate screen was left, the cursor shown, raw mode off, and nothing drawn after. */
async function assertTerminalRestored(pty: Pty, code: number): Promise<void> {
	await pty.waitFor(/EXIT=\d+/, 'agproxy to exit');
	await pty.exited;
	const screen = pty.screen();
	assert.match(screen, new RegExp(`EXIT=${code}\\b`));
	const exitAt = screen.indexOf('EXIT=');
	const restoredAt = screen.lastIndexOf(LEAVE_ALT_SCREEN, exitAt);
	assert.ok(restoredAt > 0, 'left the alternate screen');
	assert.ok(screen.lastIndexOf(SHOW_CURSOR, exitAt) > 0, 'cursor shown again');
	const after = screen.slice(exitAt);
	assert.match(after, /(^|\s)icanon(\s|$)/m, 'canonical mode back on');
	assert.match(after, /(^|\s)echo(\s|$)/m, 'echo back on');
	assert.ok(!screen.slice(restoredAt + LEAVE_ALT_SCREEN.length, exitAt).includes('agproxy 0.'), 'no frame drawn after leaving the alternate screen');
}

describe('dashboard in a pseudo-terminal', () => {
	it('serves, shows a request, adds a user, quits and restores the terminal', {timeout: 90_000}, async () => {
		const pty = startInPty();
		const {child, waitFor} = pty;
		try {
			const url = (await waitFor(/http:\/\/127\.0\.0\.1:\d+/, 'the listen address in the header'))[0];
			const response = await fetch(`${url}/v1/messages`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({model: 'claude-opus-4-8', max_tokens: 50, messages: [{role: 'user', content: 'hi'}]})});
			assert.equal(response.status, 200);
			await response.text();
			await waitFor(/claude-opus-4-8/, 'the request in the log');

			const onRequests = pty.screen().length;
			child.stdin.write('3');
			await waitFor(/k rotate key/, 'the users panel', onRequests);
			const before = pty.screen().length;
			child.stdin.write('n');
			await waitFor(/New user/, 'the new-user dialog', before);
			child.stdin.write('pty-user');
			await new Promise(resolve => setTimeout(resolve, 200));
			child.stdin.write('\r');
			const key = (await waitFor(/sk-agp-[A-Za-z0-9_-]{20,}/, 'the new key', before))[0];
			const check = await fetch(`${url}/v1/models`, {headers: {'x-api-key': key}});
			assert.equal(check.status, 200, 'the key shown works');
			assert.equal((await fetch(`${url}/v1/models`)).status, 401, 'keys are now required');

			child.stdin.write('\u001B');
			await new Promise(resolve => setTimeout(resolve, 300));
			child.stdin.write('q');
			await assertTerminalRestored(pty, 0);
		} finally {
			pty.close();
		}
	});

	it('on SIGTERM restores the terminal first, then stops (exit 143)', {timeout: 90_000}, async () => {
		const pty = startInPty();
		try {
			await pty.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 'the dashboard');
			// The agproxy process is the child of the shell that `script` runs: script -> sh -> node.
			const shell = execFileSync('pgrep', ['-P', String(pty.child.pid)]).toString().trim().split('\n')[0] ?? '';
			execFileSync('pkill', ['-TERM', '-P', shell]);
			await assertTerminalRestored(pty, 143);
		} finally {
			pty.close();
		}
	});
});
