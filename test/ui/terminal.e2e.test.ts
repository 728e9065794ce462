// The dashboard in a real pseudo-terminal (util-linux `script`): start `agproxy --simulate`, see a request in the log, add a user
// and see its key, quit with `q` or SIGTERM, and check the terminal was handed back: alternate screen left, cursor shown, raw mode off.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {LEAVE_ALT_SCREEN, type Pty, assertExitedRestored, startPty} from '../helpers/pty.js';

const SHOW_CURSOR = '\u001B[?25h';

/** `agproxy --simulate` with its dashboard in a 100x30 pseudo-terminal on a fresh data dir; `close` kills it and removes the dir. */
function startInPty(): Pty & {close: () => void} {
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-pty-'));
	const pty = startPty(`node --import tsx cli.tsx --simulate --port 0 --data-dir '${dataDir}'`, {cols: 100, rows: 30});
	return {
		...pty,
		close: () => {
			pty.kill();
			rmSync(dataDir, {recursive: true, force: true});
		},
	};
}

/** After agproxy exited with `code`: the terminal given back (see assertExitedRestored), the cursor shown, echo on, and nothing drawn after. */
async function assertTerminalRestored(pty: Pty, code: number): Promise<void> {
	const {screen, exitAt, restoredAt} = await assertExitedRestored(pty, code, 'agproxy');
	assert.ok(screen.lastIndexOf(SHOW_CURSOR, exitAt) > 0, 'cursor shown again');
	assert.match(screen.slice(exitAt), /(^|\s)echo(\s|$)/m, 'echo back on');
	assert.ok(!screen.slice(restoredAt + LEAVE_ALT_SCREEN.length, exitAt).includes('agproxy 0.'), 'no frame drawn after leaving the alternate screen');
}

describe('dashboard in a pseudo-terminal', () => {
	it('serves, shows a request, adds a user, quits and restores the terminal', {timeout: 90_000}, async () => {
		const pty = startInPty();
		const {waitFor} = pty;
		try {
			const url = (await waitFor(/http:\/\/127\.0\.0\.1:\d+/, 'the listen address in the header'))[0];
			const response = await fetch(`${url}/v1/messages`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({model: 'claude-opus-4-8', max_tokens: 50, messages: [{role: 'user', content: 'hi'}]})});
			assert.equal(response.status, 200);
			await response.text();
			await waitFor(/claude-opus-4-8/, 'the request in the log');

			const onRequests = pty.screen().length;
			pty.type('3');
			await waitFor(/R rotate key/, 'the users panel', onRequests);
			const before = pty.screen().length;
			pty.type('n');
			await waitFor(/New user/, 'the new-user dialog', before);
			pty.type('pty-user');
			await new Promise(resolve => setTimeout(resolve, 200));
			pty.type('\r');
			const key = (await waitFor(/sk-agp-[A-Za-z0-9_-]{20,}/, 'the new key', before))[0];
			const check = await fetch(`${url}/v1/models`, {headers: {'x-api-key': key}});
			assert.equal(check.status, 200, 'the key shown works');
			assert.equal((await fetch(`${url}/v1/models`)).status, 401, 'keys are now required');

			pty.type('\u001B');
			await new Promise(resolve => setTimeout(resolve, 300));
			pty.type('q');
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
