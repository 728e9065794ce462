// A real agproxy in front of a real simulator, on loopback ephemeral ports, with the official SDK as the client.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, beforeEach} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {loadOAuthConfig} from '../../source/accounts/oauth.js';
import {type App, startApp} from '../../source/app.js';
import {type Config, loadConfig} from '../../source/config.js';
import {openDataStore} from '../../source/store/index.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {DEFAULT_ACCOUNTS, type SimAccount, type Simulator, type SimulatorOptions, startSimulator} from '../../source/simulator/index.js';

export type Stack = {app: App; sim: Simulator; client: Anthropic; close: () => Promise<void>};

export const DEMO_ACCOUNT = 'demo@agproxy.local';

export async function startStack(options: {sim?: SimulatorOptions; config?: Partial<Config>; env?: NodeJS.ProcessEnv} = {}): Promise<Stack> {
	const sim = await startSimulator({port: 0, ...options.sim});
	const config = loadConfig({port: 0, upstream: sim.url}, options.env ?? {});
	const account = options.sim?.accounts?.[0] ?? DEFAULT_ACCOUNTS[0];
	config.accessToken = sim.issueAccessToken(account?.email ?? DEMO_ACCOUNT);
	config.project = account?.project ?? '';
	Object.assign(config, options.config);
	const app = await startApp(config, {dataStore: new MemoryDataStore()});
	const client = new Anthropic({baseURL: app.url, apiKey: 'test-key', maxRetries: 0, timeout: 30_000});
	return {
		app,
		sim,
		client,
		close: async () => {
			await app.stop();
			await sim.close();
		},
	};
}

/**
 * The stack of a whole test file (call at its top level): started before its tests, closed after them, the simulator's
 * log and queued scripts reset before each test. Its parts are there from the first test on.
 */
export function useStack(options: Parameters<typeof startStack>[0] = {}): Stack {
	let started: Stack | undefined;
	before(async () => {
		started = await startStack(options);
	});
	after(() => started?.close());
	beforeEach(() => current().sim.reset());
	const current = (): Stack => {
		if (started === undefined) throw new Error('the stack starts in the before hook: use it inside a test');
		return started;
	};
	return {
		get app() {
			return current().app;
		},
		get sim() {
			return current().sim;
		},
		get client() {
			return current().client;
		},
		close: () => current().close(),
	};
}

export type PoolStack = Stack & {dataDir: string};

/**
 * A real agproxy with its account pool over a data file in front of a simulator: `seed` (every simulator account unless
 * given) stored in a fresh proxy.db first, the server then opening it as its one writer, its token refresh and userinfo
 * pointed at the simulator. `close` stops both and removes the data directory.
 */
export async function startPoolStack(options: {sim: SimulatorOptions & {accounts: SimAccount[]}; seed?: SimAccount[]; env?: NodeJS.ProcessEnv; clientTimeoutMs?: number; prefix?: string}): Promise<PoolStack> {
	const sim = await startSimulator({port: 0, ...options.sim});
	const dataDir = mkdtempSync(join(tmpdir(), options.prefix ?? 'agproxy-pool-'));
	const seed = await openDataStore(dataDir);
	for (const account of options.seed ?? options.sim.accounts) {
		await seed.accounts.upsert({email: account.email, refreshToken: account.refreshToken, projectId: account.project ?? '', tier: account.tier ?? 'free-tier', enabled: true, addedAt: new Date().toISOString()});
	}
	seed.close();
	const config = loadConfig({port: 0, upstream: sim.url, dataDir}, options.env ?? {});
	const app = await startApp(config, {oauth: {...loadOAuthConfig({}), tokenUrl: sim.oauth.tokenUrl, userinfoUrl: sim.oauth.userinfoUrl, authUrl: sim.oauth.authUrl}});
	const client = new Anthropic({baseURL: app.url, apiKey: 'x', maxRetries: 0, ...(options.clientTimeoutMs === undefined ? {} : {timeout: options.clientTimeoutMs})});
	return {
		app,
		sim,
		client,
		dataDir,
		close: async () => {
			await app.stop();
			await sim.close();
			rmSync(dataDir, {recursive: true, force: true});
		},
	};
}
