// `agproxy [start]`: the proxy, optionally against an in-process simulator, until SIGINT/SIGTERM/SIGHUP.
import {loadOAuthConfig} from '../accounts/oauth.js';
import {type AppOptions, startApp} from '../app.js';
import type {Config} from '../config.js';
import {attachJsonLog} from '../log.js';
import {DEFAULT_ACCOUNTS, startSimulator} from '../simulator/index.js';
import {MemoryDataStore} from '../store/memory.js';

/** No dashboard (and no Ink/React loaded) for --daemon, pipes, or CI. */
export function isHeadless(daemon: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
	const set = (name: string): boolean => {
		const value = env[name];
		return value !== undefined && value !== '' && value !== 'false' && value !== '0';
	};
	const ci = set('CI') || set('CONTINUOUS_INTEGRATION');
	return daemon || ci || process.stdout.isTTY !== true || process.stdin.isTTY !== true;
}

export async function runServer(config: Config, options: {simulate: boolean; daemon: boolean}): Promise<void> {
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
	let restoreTerminal = (): void => {};
	let stopping = false;
	const shutdown = (reason: string, code = 0): void => {
		if (stopping) process.exit(code || 130);
		stopping = true;
		// The terminal first: whatever happens next, the user's screen is back.
		restoreTerminal();
		app.bus.notice('info', `${reason}: shutting down`);
		void app
			.stop()
			.then(() => stopSimulator?.())
			.finally(() => process.exit(code));
	};
	for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) process.on(signal, () => shutdown(`received ${signal}`, code));
	const crash = (error: unknown): void => {
		restoreTerminal();
		process.stderr.write(`agproxy: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	};
	process.on('uncaughtException', crash);
	// A stray rejected promise is a bug to report, not a reason to drop every client's stream: log it and keep serving.
	process.on('unhandledRejection', reason => {
		app.bus.notice('error', `unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`);
	});

	const banner = `agproxy listening on ${app.url}${options.simulate ? ' (simulated upstream, demo accounts)' : ''}`;
	if (isHeadless(options.daemon)) {
		attachJsonLog(app.bus);
		app.bus.notice('info', banner, {url: app.url});
		return;
	}
	// React's production build, decided before React is first loaded (only the dashboard loads it).
	process.env['NODE_ENV'] ??= 'production';
	const [{runDashboard}, {dashboardSource}] = await Promise.all([import('../ui/run.js'), import('../ui/connect.js')]);
	const handle = runDashboard(dashboardSource(app), {onQuit: () => shutdown('quit')});
	restoreTerminal = handle.restore;
}
