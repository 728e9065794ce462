// A real agproxy in front of a real simulator, on loopback ephemeral ports, with the official SDK as the client.
import Anthropic from '@anthropic-ai/sdk';
import {type App, startApp} from '../../source/app.js';
import {type Config, loadConfig} from '../../source/config.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {DEFAULT_ACCOUNTS, type Simulator, type SimulatorOptions, startSimulator} from '../../source/simulator/index.js';

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
