// Builds the running proxy from a Config: upstream client, credentials (account pool or single token), model directory,
// HTTP server. Owns start and stop.
import type {AddressInfo} from 'node:net';
import type {ActionContext} from './actions/context.js';
import {createAccountVerifier} from './actions/verify.js';
import {login} from './accounts/login.js';
import {type OAuthConfig, loadOAuthConfig} from './accounts/oauth.js';
import type {AccountRecord, AccountStore} from './accounts/types.js';
import {AccountPool, type PoolEvent} from './accounts/pool.js';
import {parseAvailableModels} from './accounts/quota.js';
import {TokenManager} from './accounts/tokens.js';
import {type Config, ConfigError} from './config.js';
import type {EventEmitter} from 'node:events';
import {EventBus, type NoticeRecord} from './events.js';
import {openModeAllowed, openModeProblem, recordRequestUsage} from './http/auth.js';
import {createHttpServer} from './http/server.js';
import {ModelDirectory} from './models/directory.js';
import {ensureDataDir} from './paths.js';
import {UpstreamClient} from './upstream/client.js';
import {type CredentialProvider, StaticCredentials} from './upstream/credentials.js';
import {SignatureMemory} from './upstream/signature-memory.js';
import {createServerToken, removeServerInfo, writeServerInfo} from './store/lock.js';
import {openDataStore} from './store/index.js';
import type {StoreNotice} from './store/sqlite.js';
import type {DataStore} from './store/types.js';
import {testGroupThrough} from './service/group-test.js';
import {AdminLive} from './admin/live.js';

export type App = {
	url: string;
	port: number;
	bus: EventBus;
	models: ModelDirectory;
	/** The account pool, unless agproxy runs on a single token (AGPROXY_ACCESS_TOKEN) or given credentials. */
	pool?: AccountPool;
	/** The operations on users, groups and accounts (the same ones the CLI and the admin API run). */
	actions: ActionContext;
	/** Requests being served right now. */
	inFlight: () => number;
	strategy: string;
	startedAt: number;
	/** A Google sign-in with this app's OAuth client and upstream (the dashboard's `a`): resolves with the new account. */
	login: (options: {output: {write: (text: string) => unknown}; input: NodeJS.ReadableStream; signal: AbortSignal}) => Promise<AccountRecord>;
	/** Stops accepting, lets in-flight requests finish for the grace period, then aborts the rest. Idempotent. */
	stop: () => Promise<void>;
};

export type AppOptions = {
	credentials?: CredentialProvider;
	bus?: EventBus;
	/**
	 * The data (accounts, users, groups, usage). Default: `<data-dir>/proxy.db`, opened under the server's writer lock, with
	 * `server.json` (pid, port, admin token) written beside it so other agproxy commands go through this server.
	 * A store given here belongs to the caller (not closed by stop()).
	 */
	dataStore?: DataStore;
	/**
	 * Accounts kept elsewhere than the data file, which still holds users, groups and usage (`--simulate`: the
	 * simulator's demo accounts live in memory, so they never reach a real data directory).
	 */
	accounts?: AccountStore;
	oauth?: OAuthConfig;
	env?: NodeJS.ProcessEnv;
};

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
	const bus = options.bus ?? new EventBus();
	const client = new UpstreamClient(config.upstreams, config.timeouts, Date.now, config.clientVersion);
	const models = new ModelDirectory();
	const background = new AbortController();
	const closers: Array<() => void> = [];
	const startedAt = Date.now();
	const oauth = options.oauth ?? loadOAuthConfig(options.env ?? process.env);
	const ownsStore = options.dataStore === undefined;
	const storeNotices = relayStoreNotices(bus);
	closers.push(storeNotices.close);
	const opened = options.dataStore ?? (await openDataStore(ensureDataDir(config.dataDir), {lock: 'server', onNotice: storeNotices.publish}));
	storeNotices.opened();
	const dataStore = options.accounts === undefined ? opened : withAccounts(opened, options.accounts);
	try {
		const problem = openModeProblem({host: config.host, allowOpen: config.allowOpen, users: dataStore.users, fallbackKey: config.apiKey});
		if (problem) throw new ConfigError(problem);
	} catch (error) {
		if (ownsStore) dataStore.close();
		throw error;
	}
	if (ownsStore) closers.push(() => dataStore.close());
	const onRequest = (record: Parameters<typeof recordRequestUsage>[1]): void => {
		if (!recordRequestUsage(dataStore, record)) bus.notice('warn', 'could not record usage for a request');
	};
	bus.on('request', onRequest);
	closers.push(() => bus.off('request', onRequest));

	// One token manager for everything that refreshes account tokens, so refreshes stay single-flight per account.
	const tokens = new TokenManager(dataStore.accounts, oauth);
	let credentials = options.credentials;
	let pool: AccountPool | undefined;
	if (!credentials && config.accessToken) {
		credentials = new StaticCredentials({accountId: 'env', accessToken: config.accessToken, project: config.project ?? ''});
		void refreshModels(client, credentials, models, bus, background.signal);
	} else if (!credentials) {
		pool = new AccountPool({
			store: dataStore.accounts,
			tokens,
			client,
			strategy: config.strategy,
			maxWaitMs: config.maxWaitMs,
			perAccountConcurrency: config.accountConcurrency,
			quotaThreshold: config.quotaThreshold,
			quotaIntervalMs: config.quotaRefreshMs,
		});
		closers.push(forwardPoolEvents(pool, bus));
		const quota = pool.quota;
		if (quota) {
			closers.push(quota.onModels(available => models.setModels(available.models)));
			models.countAccountsFrom(() => quota.models().models);
		}
		await pool.start();
		closers.push(() => pool?.close());
		credentials = pool;
	}

	const generateDeps = {
		client,
		credentials,
		signatures: new SignatureMemory(),
		modelRules: config.modelRules,
		servedModels: () => models.servedIds(),
		modelLimits: (model: string) => models.limits(model),
		maxAttempts: config.maxAttempts,
		pingIntervalMs: config.pingIntervalMs,
	};
	const actions: ActionContext = {
		store: dataStore,
		...(pool ? {pool} : {}),
		servedModels: () => models.servedIds(),
		testGroup: input => testGroupThrough(generateDeps, dataStore.groups, input),
		verifyAccounts: createAccountVerifier({store: dataStore.accounts, tokens, client}),
	};
	const adminToken = createServerToken();
	// What an attached dashboard (`agproxy dashboard`) sees and asks through the admin API: events, quota refresh, sign-in.
	let appUrl = '';
	// Google sign-in in this process (the dashboard's `a`, in-process or attached): the callback comes as a pasted redirect.
	const signIn: App['login'] = ({output, input, signal}) => login({oauth, client, output, input, signal, callbackPort: 0});
	const live = new AdminLive({
		bus,
		actions,
		...(pool ? {pool, login: signIn} : {}),
		inFlight: () => http.inFlight(),
		info: () => ({url: appUrl, strategy: pool ? config.strategy : 'single token', startedAt}),
	});
	closers.push(() => live.close());
	const http = createHttpServer({
		generate: generateDeps,
		users: dataStore.users,
		openAllowed: openModeAllowed(config.host, {allowOpen: config.allowOpen}),
		browser: {allowedOrigins: config.allowedOrigins, allowedHosts: config.allowedHosts},
		groups: dataStore.groups,
		admin: {actions, token: adminToken, live},
		bodyLimitBytes: config.bodyLimitBytes,
		requestTimeoutMs: config.requestTimeoutMs,
		bus,
		models: () => models.list(),
		accounts: () => credentials.summary(),
		...(pool ? {pool} : {}),
		startedAt,
		...(config.apiKey === undefined ? {} : {apiKey: config.apiKey}),
	});

	try {
		await new Promise<void>((resolve, reject) => {
			http.server.once('error', reject);
			http.server.listen(config.port, config.host, () => {
				http.server.off('error', reject);
				resolve();
			});
		});
	} catch (error) {
		// Nothing listens: release the data file, its lock and the pool's timers before reporting the failure.
		background.abort();
		for (const close of closers.reverse()) close();
		await client.destroy();
		throw error;
	}
	const {port} = http.server.address() as AddressInfo;
	const host = config.host.includes(':') ? `[${config.host}]` : config.host;
	appUrl = `http://${host}:${port}`;
	if (ownsStore) {
		// Other agproxy commands (users, groups, accounts) find this server here and use its admin API instead of the file.
		writeServerInfo(config.dataDir, {pid: process.pid, port, token: adminToken});
		closers.push(() => removeServerInfo(config.dataDir, process.pid));
	}

	let stopping: Promise<void> | undefined;
	const stop = (): Promise<void> =>
		(stopping ??= (async () => {
			background.abort();
			http.server.close();
			http.server.closeIdleConnections();
			const grace = new Promise<'timeout'>(resolve => setTimeout(() => resolve('timeout'), config.shutdownGraceMs).unref());
			if ((await Promise.race([http.drained(), grace])) === 'timeout') {
				bus.notice('warn', `shutdown: aborting ${http.inFlight()} request(s) still in flight after ${config.shutdownGraceMs} ms`);
				http.server.closeAllConnections();
			}
			for (const close of closers.reverse()) close();
			// Client requests are done (or cut off): whatever is still open upstream has no one waiting for it.
			await client.destroy();
		})());

	return {
		url: `http://${host}:${port}`,
		port,
		bus,
		models,
		...(pool ? {pool} : {}),
		actions,
		inFlight: () => http.inFlight(),
		strategy: pool ? config.strategy : 'single token',
		startedAt,
		login: signIn,
		stop,
	};
}

/** The store with its accounts replaced; saving and closing stay the store's. */
function withAccounts(store: DataStore, accounts: AccountStore): DataStore {
	return {
		accounts,
		users: store.users,
		groups: store.groups,
		usage: store.usage,
		flush: () => store.flush(),
		close: () => store.close(),
	};
}

/**
 * The data file's notices (a restore from proxy.db.bak, failed background saves and their recovery) on the bus, as
 * `store` notices. Those from opening the file come before the log or the dashboard listen (they attach once startApp
 * returns), so each is also handed to every notice listener that attaches later: a restore is never silent.
 */
function relayStoreNotices(bus: EventBus): {publish: (notice: StoreNotice) => void; opened: () => void; close: () => void} {
	const atOpen: NoticeRecord[] = [];
	let opening = true;
	const onNewListener = (event: string | symbol, listener: (record: NoticeRecord) => void): void => {
		if (event !== 'notice' || atOpen.length === 0) return;
		const records = [...atOpen];
		// After the listener is registered (it is added right after this event), never inside the caller's own step.
		setImmediate(() => {
			for (const record of records) {
				try {
					listener(record);
				} catch {
					// a broken listener must not break the others
				}
			}
		});
	};
	const emitter = bus as unknown as EventEmitter;
	emitter.on('newListener', onNewListener);
	return {
		publish: notice => {
			const record: NoticeRecord = {time: new Date().toISOString(), level: notice.level, message: notice.message, source: 'store'};
			if (opening) atOpen.push(record);
			bus.emit('notice', record);
		},
		opened: () => {
			opening = false;
			if (atOpen.length === 0) emitter.off('newListener', onNewListener);
		},
		close: () => emitter.off('newListener', onNewListener),
	};
}

/** Pool events worth a log line: accounts turning invalid, cooling down, and the pool's own notices. */
function forwardPoolEvents(pool: AccountPool, bus: EventBus): () => void {
	return pool.onChange((event: PoolEvent) => {
		switch (event.type) {
			case 'notice':
				bus.notice(event.level, event.message, event.email ? {account: event.email} : {});
				break;
			case 'invalid':
				bus.notice('error', `account ${event.email} is invalid: ${event.reason}`, {account: event.email, ...(event.url ? {url: event.url} : {})});
				break;
			case 'cooldown':
				bus.notice('warn', `account ${event.email} cools down: ${event.reason}`, {account: event.email, until: new Date(event.until).toISOString()});
				break;
			default:
				break;
		}
	});
}

/** Single-token mode: the served-model list from one fetchAvailableModels; the catalogue stands in until then. */
async function refreshModels(client: UpstreamClient, credentials: CredentialProvider, models: ModelDirectory, bus: EventBus, signal: AbortSignal): Promise<void> {
	try {
		const credential = await credentials.acquire('', 'models', signal);
		credential.release?.();
		const answer = await client.call('fetchAvailableModels', credential.project ? {project: credential.project} : {}, credential.accessToken, signal);
		if (signal.aborted) return;
		const available = answer.ok ? parseAvailableModels(answer.json) : undefined;
		if (available) models.setModels(available.models);
		else bus.notice('warn', `could not fetch the upstream model list: ${answer.ok ? 'unexpected answer' : answer.error.message}`);
	} catch (error) {
		if (!signal.aborted) bus.notice('warn', `could not fetch the upstream model list: ${(error as Error).message}`);
	}
}
