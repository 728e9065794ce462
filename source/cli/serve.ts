// `agproxy [start]`: the proxy, optionally against an in-process simulator, until SIGINT/SIGTERM/SIGHUP.
import {loadOAuthConfig} from '../accounts/oauth.js';
import {type AppOptions, startApp} from '../app.js';
import type {Config} from '../config.js';
import {attachJsonLog} from '../log.js';
import {DEFAULT_ACCOUNTS, startSimulator} from '../simulator/index.js';
import {MemoryDataStore} from '../store/memory.js';

export async function runServer(config: Config, options: {simulate: boolean}): Promise<void> {
	let stopSimulator: (() => Promise<void>) | undefined;
	const appOptions: AppOptions = {};
	if (options.simulate) {
		// The simulator's demo accounts go through the real pool, token refresh and quota code: only Google is simulated.
		const simulator = await startSimulator({port: 0});
		stopSimulator = () => simulator.close();
		config.upstreams = [simulator.url];
		delete config.accessToken;
		// Demo data lives in memory: a simulated run never touches the real data directory.
		appOptions.dataStore = new MemoryDataStore({
			accounts: DEFAULT_ACCOUNTS.map(account => ({
				email: account.email,
				refreshToken: account.refreshToken,
				...(account.project ? {projectId: account.project} : {}),
				...(account.tier ? {tier: account.tier} : {}),
				enabled: true,
				addedAt: new Date().toISOString(),
			})),
		});
		appOptions.oauth = {
			...loadOAuthConfig({}),
			authUrl: simulator.oauth.authUrl,
			tokenUrl: simulator.oauth.tokenUrl,
			userinfoUrl: simulator.oauth.userinfoUrl,
		};
	}
	const app = await startApp(config, appOptions);
	attachJsonLog(app.bus);
	app.bus.notice('info', `agproxy listening on ${app.url}${options.simulate ? ' (simulated upstream, demo accounts)' : ''}`, {url: app.url});

	let signals = 0;
	const shutdown = (signal: NodeJS.Signals): void => {
		signals++;
		if (signals > 1) process.exit(130);
		app.bus.notice('info', `received ${signal}: shutting down`);
		void app
			.stop()
			.then(() => stopSimulator?.())
			.then(() => process.exit(0));
	};
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);
}
