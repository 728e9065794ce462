// Builds the running proxy from a Config: upstream client, credentials, model directory, HTTP server. Owns start and stop.
import type {AddressInfo} from 'node:net';
import type {Config} from './config.js';
import {EventBus} from './events.js';
import {createHttpServer} from './http/server.js';
import {ModelDirectory, parseAvailableModels} from './models/directory.js';
import {UpstreamClient} from './upstream/client.js';
import {type CredentialProvider, StaticCredentials} from './upstream/credentials.js';
import {SignatureMemory} from './upstream/signature-memory.js';

export type App = {
	url: string;
	port: number;
	bus: EventBus;
	models: ModelDirectory;
	/** Stops accepting, lets in-flight requests finish for the grace period, then aborts the rest. Idempotent. */
	stop: () => Promise<void>;
};

export type AppOptions = {credentials?: CredentialProvider; bus?: EventBus};

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
	const bus = options.bus ?? new EventBus();
	const client = new UpstreamClient(config.upstreams, config.timeouts);
	const credentials =
		options.credentials ??
		new StaticCredentials(
			config.accessToken ? {accountId: 'env', accessToken: config.accessToken, project: config.project ?? ''} : undefined,
		);
	const models = new ModelDirectory();
	const http = createHttpServer({
		generate: {
			client,
			credentials,
			signatures: new SignatureMemory(),
			modelRules: config.modelRules,
			servedModels: () => models.servedIds(),
			maxAttempts: config.maxAttempts,
			pingIntervalMs: config.pingIntervalMs,
		},
		bodyLimitBytes: config.bodyLimitBytes,
		bus,
		models: () => models.list(),
		accounts: () => credentials.summary(),
		startedAt: Date.now(),
		...(config.apiKey === undefined ? {} : {apiKey: config.apiKey}),
	});

	await new Promise<void>((resolve, reject) => {
		http.server.once('error', reject);
		http.server.listen(config.port, config.host, () => {
			http.server.off('error', reject);
			resolve();
		});
	});
	const {port} = http.server.address() as AddressInfo;
	const host = config.host.includes(':') ? `[${config.host}]` : config.host;

	// The served-model list comes from the upstream when a credential can ask for it; the catalogue stands in until then.
	const background = new AbortController();
	void refreshModels(client, credentials, models, bus, background.signal);

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
			// Client requests are done (or cut off): whatever is still open upstream has no one waiting for it.
			await client.destroy();
		})());

	return {url: `http://${host}:${port}`, port, bus, models, stop};
}

async function refreshModels(client: UpstreamClient, credentials: CredentialProvider, models: ModelDirectory, bus: EventBus, signal: AbortSignal): Promise<void> {
	if (credentials.summary().active === 0) return;
	try {
		const credential = await credentials.acquire('', 'models', signal);
		const answer = await client.call('fetchAvailableModels', credential.project ? {project: credential.project} : {}, credential.accessToken, signal);
		if (signal.aborted) return;
		const available = answer.ok ? parseAvailableModels(answer.json) : undefined;
		if (available) models.update(available);
		else bus.notice('warn', `could not fetch the upstream model list: ${answer.ok ? 'unexpected answer' : answer.error.message}`);
	} catch (error) {
		bus.notice('warn', `could not fetch the upstream model list: ${(error as Error).message}`);
	}
}
