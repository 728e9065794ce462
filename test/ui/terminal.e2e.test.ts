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
			await waitFor(/R rotate key/, 'the users panel', onRequests);
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

// The home screen as a terminal really shows it: tmux keeps the screen (capture-pane), so a line that wrapped or a
// frame taller than the terminal would show as a shifted header or a missing footer.
function hasTmux(): boolean {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

type Tmux = {capture: () => string; waitFor: (test: (screen: string) => boolean, what: string) => Promise<string>; close: () => void};

/** `agproxy --simulate` in a detached tmux session of columns x rows, on a private tmux server. */
function startInTmux(columns: number, rows: number): Tmux {
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-tmux-'));
	const socket = `agproxy-test-${process.pid}-${columns}x${rows}`;
	const env: NodeJS.ProcessEnv = {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', TERM: 'xterm-256color', LANG: 'C.UTF-8'};
	const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], {env, cwd: process.cwd()}).toString();
	tmux('new-session', '-d', '-x', String(columns), '-y', String(rows), `node --import tsx cli.tsx --simulate --port 0 --data-dir '${dataDir}'`);
	const capture = (): string => tmux('capture-pane', '-p');
	return {
		capture,
		waitFor: async (test, what) => {
			const deadline = Date.now() + 30_000;
			let screen = '';
			while (Date.now() < deadline) {
				screen = capture();
				if (test(screen)) return screen;
				await new Promise(resolve => setTimeout(resolve, 100));
			}
			throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
		},
		close: () => {
			try {
				tmux('kill-server');
			} catch {
				// already gone
			}
			rmSync(dataDir, {recursive: true, force: true});
		},
	};
}

async function homeScreen(columns: number, rows: number): Promise<string> {
	const tmux = startInTmux(columns, rows);
	try {
		const url = /http:\/\/127\.0\.0\.1:\d+/.exec(await tmux.waitFor(screen => /http:\/\/127\.0\.0\.1:\d+/.test(screen), 'the server line'))?.[0] ?? '';
		for (const model of ['claude-sonnet-4-6', 'gemini-3-flash', 'no-such-model']) {
			const response = await fetch(`${url}/v1/messages`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({model, max_tokens: 20, messages: [{role: 'user', content: 'hi'}]})});
			await response.text();
		}
		// Both demo accounts, their quota bars (fetched at start), and the three requests in the log.
		return await tmux.waitFor(screen => /demo2@agproxy\.local/.test(screen) && screen.includes('█') && screen.includes('no-such-model') && screen.includes('gemini-3-flash'), 'accounts with quota bars and the requests');
	} finally {
		tmux.close();
	}
}

/** What must be on any home screen, and that nothing wrapped: the header on the first line, the footer on the last. */
function assertHome(screen: string, columns: number, rows: number): string[] {
	const lines = screen.replace(/\n+$/, '').split('\n');
	assert.ok(lines.length <= rows, `${lines.length} lines`);
	for (const line of lines) assert.ok([...line].length <= columns, `fits: ${line}`);
	assert.match(lines[0] ?? '', /^ agproxy \S+ {2}http:\/\/127\.0\.0\.1:\d+/, 'the server line is the first line (nothing above it wrapped or scrolled)');
	assert.match(lines[rows - 2] ?? '', /q quit/, 'the footer is on the last line of the frame (rows - 1)');
	assert.match(screen, /1 Home/);
	const demo = lines.find(line => line.includes('demo@agproxy.local')) ?? '';
	assert.match(demo, /● demo@agproxy\.local\s+active\s+.*[█░]/, `an account row with its state and quota bars on one line: ${demo}`);
	assert.match(screen, /ACCOUNT\s+STATE/);
	assert.match(screen, /TIME\s+USER/);
	const failed = lines.find(line => line.includes('no-such-model')) ?? '';
	assert.match(failed, /\s4\d\d\s/, `the refused request with its status: ${failed}`);
	return lines;
}

describe('home screen in a real terminal (tmux)', {skip: hasTmux() ? false : 'tmux is not installed'}, () => {
	it('80x24: server line, accounts with states and quota bars, the request log; nothing wraps', {timeout: 90_000}, async () => {
		const lines = assertHome(await homeScreen(80, 24), 80, 24);
		assert.ok(lines.some(line => /\+\d\s*$/.test(line) && line.includes('STATE')), 'models that do not fit are counted (+N)');
	});

	it('200x50: the width goes to more models with percentages and more log columns', {timeout: 90_000}, async () => {
		const screen = await homeScreen(200, 50);
		const lines = assertHome(screen, 200, 50);
		const header = lines.find(line => /ACCOUNT\s+STATE/.test(line)) ?? '';
		assert.match(header, /SERVED/);
		assert.ok(!/\+\d/.test(header), `every model has a column: ${header}`);
		assert.match(screen, /█+░*\s+\d+%/, 'bars with percentages');
		assert.match(screen, /REQUEST ID/);
	});
});
