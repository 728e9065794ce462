// The HTTP server: routes Google's URL shapes (custom-verb `/v1internal:<method>`, LRO polling, OAuth) and the
// `/__sim/*` control endpoints, records every request, and shuts down without waiting on stalled scripts.
import {setMaxListeners} from 'node:events';
import {type IncomingMessage, type ServerResponse, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {CLOUDCODE_GET_METHODS, CLOUDCODE_POST_METHODS, handleCloudCode} from './cloudcode-routes.js';
import {badRequest, notFound, rpcError} from './errors.js';
import {handleGenerate} from './generate.js';
import {headerMap, isRecord, readBody, sendJson} from './http-util.js';
import {OAuthCodes, handleAuthorize, handleToken, handleTokeninfo, handleUserinfo, tokenParams} from './oauth.js';
import {parseRule} from './scripts.js';
import {type SimState, createState} from './state.js';
import type {FaultRule, RecordedRequest, Simulator, SimulatorOptions} from './types.js';

type Body = {ok: true; value: unknown} | {ok: false; error: string};

function parseJsonBody(raw: string): Body {
	if (raw.trim() === '') return {ok: true, value: undefined};
	try {
		return {ok: true, value: JSON.parse(raw) as unknown};
	} catch (error) {
		return {ok: false, error: error instanceof Error ? error.message : String(error)};
	}
}

class SimServer {
	readonly state: SimState;
	readonly codes = new OAuthCodes();
	readonly requests: RecordedRequest[] = [];
	private seq = 0;
	private readonly abort = new AbortController();
	private readonly maxRecorded: number;

	constructor(options: SimulatorOptions) {
		// Every sleeping answer (slow first byte, stalls, paced chunks) listens on this one signal: hundreds at once are normal.
		setMaxListeners(0, this.abort.signal);
		this.state = createState(options, this.abort.signal);
		this.maxRecorded = options.maxRecorded ?? 1000;
	}

	reset(): void {
		this.state.faults.clear();
		this.state.cache.clear();
		this.state.accounts.reset();
		this.state.resetCounters();
		this.codes.clear();
		this.requests.length = 0;
		this.seq = 0;
	}

	stop(): void {
		this.abort.abort();
	}

	async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://simulator.invalid');
		const path = url.pathname;
		const raw = await readBody(req);
		if (path.startsWith('/__sim/')) return this.control(req.method ?? 'GET', path, raw, res);

		const isForm = path === '/token' || path === '/tokeninfo';
		const parsed: Body = isForm ? {ok: true, value: Object.fromEntries(new URLSearchParams(raw))} : parseJsonBody(raw);
		const record: RecordedRequest = {
			seq: ++this.seq,
			method: req.method ?? 'GET',
			path,
			query: Object.fromEntries(url.searchParams),
			headers: headerMap(req),
			body: parsed.ok ? parsed.value : undefined,
		};
		this.requests.push(record);
		if (this.requests.length > this.maxRecorded) this.requests.splice(0, this.requests.length - this.maxRecorded);
		res.once('close', () => {
			record.status = res.statusCode;
		});

		const method = req.method ?? 'GET';
		const state = this.state;
		if (path === '/o/oauth2/v2/auth' && method === 'GET') {
			record.rpc = 'auth';
			return handleAuthorize(state, this.codes, url.searchParams, res, record);
		}
		if (path === '/token' && method === 'POST') {
			record.rpc = 'token';
			const params = tokenParams(req, raw);
			record.body = Object.fromEntries(params);
			return handleToken(state, this.codes, params, res, record);
		}
		if ((path === '/oauth2/v2/userinfo' || path === '/oauth2/v1/userinfo') && method === 'GET') {
			record.rpc = 'userinfo';
			return handleUserinfo(state, req, res, record);
		}
		if (path === '/tokeninfo') {
			record.rpc = 'tokeninfo';
			const params = new URLSearchParams(url.searchParams);
			for (const [k, v] of new URLSearchParams(raw)) params.set(k, v);
			return handleTokeninfo(state, req, params, res);
		}
		const operation = /^\/v1internal\/operations\/([^/]+)$/.exec(path);
		if (operation !== null && method === 'GET') {
			record.rpc = 'operations';
			return handleCloudCode(state, req, res, 'operations', undefined, record, decodeURIComponent(operation[1] ?? ''));
		}
		const rpcMatch = /^\/v1internal:([A-Za-z]+)$/.exec(path);
		const rpc = rpcMatch?.[1];
		const known = rpc !== undefined && (method === 'POST' ? CLOUDCODE_POST_METHODS.has(rpc) : method === 'GET' && CLOUDCODE_GET_METHODS.has(rpc));
		if (rpc === undefined || !known) {
			if ((path === '/' || path === '/healthz') && (method === 'GET' || method === 'HEAD')) return sendJson(res, 200, {simulator: 'agproxy cloud code simulator'});
			return sendJson(res, 404, notFound(rpc === undefined ? `Requested URL ${path} was not found.` : 'Method not found.'));
		}
		record.rpc = rpc;
		if (!parsed.ok) return sendJson(res, 400, badRequest([{description: `Invalid JSON payload received. ${parsed.error}`}]));
		if (rpc === 'streamGenerateContent' || rpc === 'generateContent') {
			// gemini-cli sends ?alt=sse; some clients spell it ?$alt=sse.
			const alt = url.searchParams.get('alt') ?? url.searchParams.get('$alt');
			return handleGenerate(state, req, res, rpc, alt === 'sse', parsed.value, record);
		}
		return handleCloudCode(state, req, res, rpc, parsed.value, record);
	}

	private control(method: string, path: string, raw: string, res: ServerResponse): void {
		const body = parseJsonBody(raw);
		const value = body.ok ? body.value : undefined;
		if (path === '/__sim/enqueue' && method === 'POST') {
			const rules: FaultRule[] = [];
			for (const item of Array.isArray(value) ? value : [value]) {
				const parsed = parseRule(item);
				if (!parsed.ok) return sendJson(res, 400, {error: parsed.error});
				rules.push(parsed.rule);
			}
			for (const rule of rules) this.state.faults.add(rule);
			return sendJson(res, 200, {queued: rules.length, pending: this.state.faults.size});
		}
		if (path === '/__sim/reset' && method === 'POST') {
			this.reset();
			return sendJson(res, 200, {reset: true});
		}
		if (path === '/__sim/requests' && method === 'GET') return sendJson(res, 200, {requests: this.requests});
		if (path === '/__sim/accounts' && method === 'GET') return sendJson(res, 200, {accounts: this.state.accounts.list()});
		if (path === '/__sim/token' && method === 'POST') {
			const email = isRecord(value) && typeof value.email === 'string' ? value.email : undefined;
			if (email === undefined || this.state.accounts.get(email) === undefined) return sendJson(res, 404, {error: 'unknown account'});
			const token = this.state.accounts.issueAccessToken(email);
			return sendJson(res, 200, {access_token: token.token, expires_in: token.expiresIn});
		}
		return sendJson(res, 404, {error: `unknown control endpoint ${method} ${path}`});
	}
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
	const sim = new SimServer(options);
	const server = createServer((req, res) => {
		sim.handle(req, res).catch((error: unknown) => {
			if (!res.headersSent) sendJson(res, 500, rpcError(500, 'INTERNAL', `Internal error encountered. (${error instanceof Error ? error.message : String(error)})`));
			else res.destroy();
		});
	});
	const host = options.host ?? '127.0.0.1';
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const {port} = server.address() as AddressInfo;
	const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
	let closed: Promise<void> | undefined;
	return {
		url,
		oauth: {authUrl: `${url}/o/oauth2/v2/auth`, tokenUrl: `${url}/token`, userinfoUrl: `${url}/oauth2/v2/userinfo`},
		issueAccessToken: (email) => sim.state.accounts.issueAccessToken(email).token,
		enqueue(rule) {
			const parsed = parseRule(rule);
			if (!parsed.ok) throw new Error(`simulator: invalid rule: ${parsed.error}`);
			sim.state.faults.add(parsed.rule);
		},
		requests: sim.requests,
		updateAccount: (email, patch) => sim.state.accounts.update(email, patch),
		reset: () => sim.reset(),
		openConnections: () => new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
		close() {
			closed ??= new Promise<void>((resolve) => {
				sim.stop();
				server.close(() => resolve());
				server.closeAllConnections();
			});
			return closed;
		},
	};
}
