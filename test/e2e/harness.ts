// Claude Code end to end: the real client runs headless against a real agproxy (pool over simulator accounts, proxy.db
// in a temp dir) in front of the Cloud Code simulator. Two clients: the pinned release (test/e2e/client) and the newest
// (test/e2e/client-latest), so a change in what Claude Code sends shows up in CI. Nothing here talks to the internet.
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {App} from '../../source/app.js';
import type {RecordedRequest, SimAccount, Simulator} from '../../source/simulator/index.js';
import {startPoolStack} from '../helpers/stack.js';

export type ClaudeClient = {name: 'pinned' | 'latest'; version: string; bin: string};

/** A client dir's Claude Code: the exact version its package.json pins, and its binary. */
function client(name: ClaudeClient['name'], dir: string): ClaudeClient {
	const manifest = JSON.parse(readFileSync(new URL(`${dir}/package.json`, import.meta.url), 'utf8')) as {dependencies: Record<string, string>};
	const version = manifest.dependencies['@anthropic-ai/claude-code'];
	if (version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`${dir}/package.json must pin an exact @anthropic-ai/claude-code version`);
	return {name, version, bin: fileURLToPath(new URL(`${dir}/node_modules/.bin/claude`, import.meta.url))};
}

export const PINNED = client('pinned', 'client');
export const LATEST = client('latest', 'client-latest');
export const CLIENTS: readonly ClaudeClient[] = [PINNED, LATEST];
export const CLAUDE_BIN = PINNED.bin;
export const CLAUDE_VERSION = PINNED.version;

export const E2E_ACCOUNTS: SimAccount[] = ['first', 'second', 'third'].map(name => ({
	email: `${name}@e2e.test`,
	refreshToken: `1//refresh-e2e-${name}`,
	project: `project-e2e-${name}`,
	tier: 'free-tier',
}));

export type E2E = {sim: Simulator; app: App; dataDir: string; close: () => Promise<void>};

/** agproxy as a user runs it: accounts in proxy.db, the pool, tokens refreshed at the (simulated) Google token URL. */
export async function startE2E(env: NodeJS.ProcessEnv = {}): Promise<E2E> {
	for (const {bin, name} of CLIENTS) {
		const dir = name === 'pinned' ? 'client' : 'client-latest';
		if (!existsSync(bin)) throw new Error(`Claude Code is not installed: run \`npm ci --prefix test/e2e/${dir}\` (npm run test:e2e does)`);
	}
	const {sim, app, dataDir, close} = await startPoolStack({sim: {accounts: E2E_ACCOUNTS}, env: {AGPROXY_MAX_WAIT_MS: '5000', ...env}, prefix: 'agproxy-e2e-'});
	return {sim, app, dataDir, close};
}

/** The JSON Claude Code prints with `--output-format json` (the fields the tests read). */
export type ClaudeResult = {
	type: 'result';
	subtype: string;
	is_error: boolean;
	/** set when an API error ended the run */
	api_error_status?: number;
	num_turns: number;
	result?: string;
	session_id?: string;
	usage?: {input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; server_tool_use?: {web_search_requests?: number}};
	/** Per model: Claude Code counts the web searches its WebSearch tool made here. */
	modelUsage?: Record<string, {webSearchRequests?: number}>;
};

export type ClaudeRun = {code: number | null; result: ClaudeResult | undefined; stdout: string; stderr: string; workspace: string};

export type ClaudeOptions = {
	baseUrl: string;
	prompt: string;
	workspace: string;
	model?: string;
	apiKey?: string;
	allowedTools?: string[];
	timeoutMs?: number;
	/** Which Claude Code runs (default the pinned one). */
	client?: ClaudeClient;
};

/** Runs `claude -p` once in `workspace` with a throwaway HOME, offline, and parses its JSON result. */
export async function runClaude(options: ClaudeOptions): Promise<ClaudeRun> {
	const home = mkdtempSync(join(tmpdir(), 'agproxy-e2e-home-'));
	const env: NodeJS.ProcessEnv = {
		PATH: process.env['PATH'],
		HOME: home,
		TERM: 'dumb',
		ANTHROPIC_BASE_URL: options.baseUrl,
		ANTHROPIC_API_KEY: options.apiKey ?? 'sk-e2e-open',
		CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
		DISABLE_TELEMETRY: '1',
		DISABLE_AUTOUPDATER: '1',
		DISABLE_ERROR_REPORTING: '1',
		// Claude Code refuses to skip permission checks as root unless it believes it is sandboxed; harmless otherwise.
		IS_SANDBOX: '1',
		...(options.model === undefined ? {} : {ANTHROPIC_MODEL: options.model}),
	};
	const args = ['-p', options.prompt, '--output-format', 'json', '--allowedTools', ...(options.allowedTools ?? ['Bash', 'Read', 'Write'])];
	try {
		return await new Promise<ClaudeRun>((resolve, reject) => {
			const child = spawn((options.client ?? PINNED).bin, args, {cwd: options.workspace, env, stdio: ['ignore', 'pipe', 'pipe']});
			let stdout = '';
			let stderr = '';
			child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
			child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
			const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
			child.on('error', error => {
				clearTimeout(timer);
				reject(error);
			});
			child.on('close', code => {
				clearTimeout(timer);
				resolve({code, result: parseResult(stdout), stdout, stderr, workspace: options.workspace});
			});
		});
	} finally {
		rmSync(home, {recursive: true, force: true});
	}
}

function parseResult(stdout: string): ClaudeResult | undefined {
	for (const line of stdout.trim().split('\n').reverse()) {
		try {
			const value = JSON.parse(line) as unknown;
			if (typeof value === 'object' && value !== null && (value as {type?: unknown}).type === 'result') return value as ClaudeResult;
		} catch {
			// Not the result line.
		}
	}
	return undefined;
}

export function makeWorkspace(): {dir: string; remove: () => void} {
	const dir = mkdtempSync(join(tmpdir(), 'agproxy-e2e-ws-'));
	return {dir, remove: () => rmSync(dir, {recursive: true, force: true})};
}

/** The generate calls the simulator saw for the conversation whose first user text carries `tag`. */
export function generateCalls(sim: Simulator, tag: string): RecordedRequest[] {
	return sim.requests.filter(r => (r.rpc === 'streamGenerateContent' || r.rpc === 'generateContent') && JSON.stringify(r.body).includes(tag));
}

/** A readable account of a failed run for assertion messages. */
export function describeRun(run: ClaudeRun): string {
	return `exit ${run.code}\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}`;
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}
