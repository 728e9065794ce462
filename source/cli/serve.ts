// `agproxy [start]`: the proxy, optionally against an in-process simulator, until SIGINT/SIGTERM/SIGHUP.
import {loadOAuthConfig} from '../accounts/oauth.js';
import {type AppOptions, startApp} from '../app.js';
import type {Config} from '../config.js';
import {attachJsonLog} from '../log.js';
import {DEFAULT_ACCOUNTS, startSimulator} from '../simulator/index.js';
import {MemoryAccountStore} from '../accounts/memory-store.js';

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
		// Only the demo accounts live in memory (their refresh tokens mean nothing to Google, so they must never reach a
		// data directory): users, groups, usage, server.json and the writer lock are the data directory's as usual, so
		// dashboard edits survive a restart and `agproxy users …` with the same --data-dir reaches this server.
		appOptions.accounts = new MemoryAccountStore(
			DEFAULT_ACCOUNTS.map(account => ({
				email: account.email,
				refreshToken: account.refreshToken,
				...(account.project ? {projectId: account.project} : {}),
				...(account.tier ? {tier: account.tier} : {}),
				enabled: true,
				addedAt: new Date().toISOString(),
			})),
		);
		appOptions.oauth = {
			...loadOAuthConfig({}),
			authUrl: simulator.oauth.authUrl,
			tokenUrl: simulator.oauth.tokenUrl,
			userinfoUrl: simulator.oauth.userinfoUrl,
		};
	}
	let app: Awaited<ReturnType<typeof startApp>>;
	try {
		app = await startApp(config, appOptions);
	} catch (error) {
		await stopSimulator?.();
		throw error;
	}
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
		// One line; AGPROXY_DEBUG=1 adds where it happened.
		const debug = (process.env['AGPROXY_DEBUG'] ?? '') !== '' && process.env['AGPROXY_DEBUG'] !== '0';
		const text = error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error);
		process.stderr.write(`agproxy: fatal: ${text}${debug ? '' : ' (AGPROXY_DEBUG=1 shows where)'}\n`);
		if (debug && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
		process.exit(1);
	};
	process.on('uncaughtException', crash);
	// A stray rejected promise is a bug to report, not a reason to drop every client's stream: log it and keep serving.
	process.on('unhandledRejection', reason => {
		app.bus.notice('error', `unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`);
	});

	const banner = `agproxy listening on ${app.url}${options.simulate ? ` (simulated Google: demo accounts in memory; users, groups and usage in ${config.dataDir})` : ''}`;
	if (isHeadless(options.daemon)) {
		attachJsonLog(app.bus);
		app.bus.notice('info', banner, {url: app.url, dataDir: config.dataDir, ...(options.simulate ? {simulate: true} : {})});
		// No account and no single token: say so at start, not only on the first failed request.
		if (app.pool !== undefined && app.pool.snapshot().length === 0) {
			app.bus.notice('warn', 'no Google account: requests will fail with 503 until one is added (agproxy accounts add)', {accounts: 0});
		}
		return;
	}
	// React's production build, decided before React is first loaded (only the dashboard loads it).
	process.env['NODE_ENV'] ??= 'production';
	const [{runDashboard}, {dashboardSource}] = await Promise.all([import('../ui/run.js'), import('../ui/connect.js')]);
	const source = dashboardSource(app);
	if (options.simulate) source.info.mode = 'simulated Google (demo accounts in memory)';
	const handle = runDashboard(source, {onQuit: () => shutdown('quit')});
	app.bus.notice('info', banner, {url: app.url});
	restoreTerminal = handle.restore;
}
