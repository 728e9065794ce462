// Which Cloud Code project and tier an account uses (reference cloudcode-api.md §3.3, §3.4): loadCodeAssist; an
// account without a current tier is onboarded to the default allowed tier, and the long-running operation is
// polled with GET v1internal/operations/<id> as gemini-cli does.
import {setTimeout as sleep} from 'node:timers/promises';
import {request} from 'undici';
import {type UpstreamError, parseUpstreamError} from '../cloudcode/errors.js';
import type {UpstreamClient} from '../upstream/client.js';
import {antigravityUserAgent} from '../upstream/client-version.js';
import {abortError} from './oauth.js';

export type Discovery = {projectId: string; tier: string};

export type DiscoveryOptions = {
	/** between operation polls (default 5000 ms, as gemini-cli) */
	pollIntervalMs?: number;
	/** GET polls before giving up (default 24: two minutes at the default interval) */
	maxPolls?: number;
	signal?: AbortSignal;
	/** per poll request (default 30 s) */
	requestTimeoutMs?: number;
	platform?: NodeJS.Platform;
	arch?: string;
	/**
	 * The Antigravity version this account presents (its own `clientVersion`; default: the client's setting), on
	 * loadCodeAssist, onboardUser and the operation polls as on generate: Google may refuse an outdated one anywhere.
	 */
	clientVersion?: string;
};

export type DiscoveryErrorKind = 'validation_required' | 'ineligible' | 'no_project' | 'upstream' | 'invalid_response' | 'onboarding_failed' | 'timeout';

export class DiscoveryError extends Error {
	constructor(
		message: string,
		readonly kind: DiscoveryErrorKind,
		readonly details: {validationUrl?: string; upstream?: UpstreamError} = {},
	) {
		super(message);
		this.name = 'DiscoveryError';
	}

	get validationUrl(): string | undefined {
		return this.details.validationUrl;
	}

	/** Whether the account itself is unusable until the user acts (as opposed to a passing failure). */
	get accountProblem(): boolean {
		return this.kind === 'validation_required' || this.kind === 'ineligible' || this.kind === 'no_project' || this.details.upstream?.kind === 'banned';
	}
}

type Tier = {id: string; isDefault: boolean; userDefinedProject: boolean};
type Ineligible = {reasonCode?: string; reasonMessage?: string; validationUrl?: string};

export type LoadCodeAssistInfo = {
	currentTier?: Tier;
	paidTier?: Tier;
	allowedTiers: Tier[];
	ineligibleTiers: Ineligible[];
	project?: string;
};

const PLATFORMS: Record<string, string> = {
	'darwin-x64': 'DARWIN_AMD64',
	'darwin-arm64': 'DARWIN_ARM64',
	'linux-x64': 'LINUX_AMD64',
	'linux-arm64': 'LINUX_ARM64',
	'win32-x64': 'WINDOWS_AMD64',
};

/** The client metadata of Antigravity's setup calls; platform from gemini-cli's enum. */
export function clientMetadata(platform: NodeJS.Platform = process.platform, arch: string = process.arch): {ideType: string; platform: string; pluginType: string} {
	return {ideType: 'ANTIGRAVITY', platform: PLATFORMS[`${platform}-${arch}`] ?? 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI'};
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(what: string): DiscoveryError {
	return new DiscoveryError(`loadCodeAssist answered with an unexpected shape: ${what}`, 'invalid_response');
}

function optionalString(value: unknown, what: string): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw invalid(`${what} is not a string`);
	return value === '' ? undefined : value;
}

function parseTier(value: unknown, what: string): Tier | undefined {
	if (value === undefined || value === null) return undefined;
	if (!isRecord(value)) throw invalid(`${what} is not an object`);
	const id = optionalString(value['id'], `${what}.id`);
	if (id === undefined) return undefined;
	return {id, isDefault: value['isDefault'] === true, userDefinedProject: value['userDefinedCloudaicompanionProject'] === true};
}

function parseList<T>(value: unknown, what: string, item: (entry: unknown, where: string) => T | undefined): T[] {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) throw invalid(`${what} is not an array`);
	return value.map((entry, i) => item(entry, `${what}[${i}]`)).filter((entry): entry is T => entry !== undefined);
}

/** `cloudaicompanionProject` is a string in loadCodeAssist and {id, name} in the onboarding answer; accept both. */
function projectOf(value: unknown, what: string): string | undefined {
	if (isRecord(value)) return optionalString(value['id'], `${what}.id`);
	return optionalString(value, what);
}

export function parseLoadCodeAssist(json: unknown): LoadCodeAssistInfo {
	if (!isRecord(json)) throw invalid('not a JSON object');
	const info: LoadCodeAssistInfo = {
		allowedTiers: parseList(json['allowedTiers'], 'allowedTiers', parseTier),
		ineligibleTiers: parseList(json['ineligibleTiers'], 'ineligibleTiers', (entry, where) => {
			if (!isRecord(entry)) throw invalid(`${where} is not an object`);
			const reasonCode = optionalString(entry['reasonCode'], `${where}.reasonCode`);
			const reasonMessage = optionalString(entry['reasonMessage'], `${where}.reasonMessage`);
			const validationUrl = optionalString(entry['validationUrl'], `${where}.validationUrl`);
			return {
				...(reasonCode === undefined ? {} : {reasonCode}),
				...(reasonMessage === undefined ? {} : {reasonMessage}),
				...(validationUrl === undefined ? {} : {validationUrl}),
			};
		}),
	};
	const current = parseTier(json['currentTier'], 'currentTier');
	if (current !== undefined) info.currentTier = current;
	const paid = parseTier(json['paidTier'], 'paidTier');
	if (paid !== undefined) info.paidTier = paid;
	const project = projectOf(json['cloudaicompanionProject'], 'cloudaicompanionProject');
	if (project !== undefined) info.project = project;
	return info;
}

function upstreamFailure(what: string, error: UpstreamError): DiscoveryError {
	if (error.kind === 'validation_required') {
		return new DiscoveryError(
			`Google requires this account to be verified before it can use Cloud Code${error.validationUrl === undefined ? '' : `: open ${error.validationUrl}`}`,
			'validation_required',
			{upstream: error, ...(error.validationUrl === undefined ? {} : {validationUrl: error.validationUrl})},
		);
	}
	return new DiscoveryError(`${what} failed (HTTP ${error.status} ${error.kind}): ${error.message}`, 'upstream', {upstream: error});
}

function ineligibleMessage(info: LoadCodeAssistInfo): string | undefined {
	const reasons = info.ineligibleTiers.map((tier) => tier.reasonMessage ?? tier.reasonCode).filter((text): text is string => text !== undefined);
	return reasons.length === 0 ? undefined : reasons.join('; ');
}

/** The default tier: paidTier > currentTier > the allowed tier marked default. */
export function tierOf(info: LoadCodeAssistInfo): string | undefined {
	return info.paidTier?.id ?? info.currentTier?.id ?? info.allowedTiers.find((tier) => tier.isDefault)?.id;
}

export async function loadCodeAssist(client: UpstreamClient, accessToken: string, options: DiscoveryOptions = {}): Promise<LoadCodeAssistInfo> {
	const answer = await client.call('loadCodeAssist', {metadata: clientMetadata(options.platform, options.arch)}, accessToken, options.signal, options.clientVersion);
	if (options.signal?.aborted === true) throw abortError(options.signal);
	if (!answer.ok) throw upstreamFailure('loadCodeAssist', answer.error);
	return parseLoadCodeAssist(answer.json);
}

/** Finds (or, for a new account, creates by onboarding) the account's Cloud Code project. */
export async function discoverProject(client: UpstreamClient, accessToken: string, options: DiscoveryOptions = {}): Promise<Discovery> {
	const info = await loadCodeAssist(client, accessToken, options);
	if (info.currentTier !== undefined) {
		const tier = info.paidTier?.id ?? info.currentTier.id;
		if (info.project === undefined) {
			const why = ineligibleMessage(info);
			throw new DiscoveryError(
				why === undefined
					? `Google reports tier ${tier} but no Cloud Code project for this account (tiers with a user-defined project are not supported)`
					: `Google reports no Cloud Code project for this account: ${why}`,
				why === undefined ? 'no_project' : 'ineligible',
			);
		}
		return {projectId: info.project, tier};
	}

	const validation = info.ineligibleTiers.find((tier) => tier.reasonCode === 'VALIDATION_REQUIRED');
	if (validation !== undefined) {
		const url = validation.validationUrl;
		throw new DiscoveryError(
			`Google requires this account to be verified before it can use Cloud Code${url === undefined ? '' : `: open ${url}`}`,
			'validation_required',
			url === undefined ? {} : {validationUrl: url},
		);
	}
	const tier = info.allowedTiers.find((entry) => entry.isDefault) ?? (info.allowedTiers.length === 0 ? {id: 'free-tier', isDefault: true, userDefinedProject: false} : undefined);
	if (tier === undefined) {
		throw new DiscoveryError(`this account cannot be onboarded: ${ineligibleMessage(info) ?? 'Google offers no default tier'}`, 'ineligible');
	}
	if (tier.userDefinedProject && tier.id !== 'free-tier') {
		throw new DiscoveryError(`this account's default tier ${tier.id} needs a user-defined Google Cloud project, which agproxy does not support`, 'no_project');
	}
	const projectId = await onboard(client, accessToken, tier.id, options);
	return {projectId, tier: info.paidTier?.id ?? tier.id};
}

type Operation = {name?: string; done: boolean; project?: string; error?: string};

function parseOperation(json: unknown, what: string): Operation {
	if (!isRecord(json)) throw new DiscoveryError(`${what} answered with something other than a JSON object`, 'invalid_response');
	const name = json['name'];
	const done = json['done'] === true;
	const operation: Operation = {done};
	if (typeof name === 'string' && name !== '') operation.name = name;
	const error = json['error'];
	if (isRecord(error)) {
		const message = error['message'];
		operation.error = typeof message === 'string' && message !== '' ? message : JSON.stringify(error).slice(0, 200);
	}
	const response = json['response'];
	if (isRecord(response)) {
		try {
			const project = projectOf(response['cloudaicompanionProject'], 'response.cloudaicompanionProject');
			if (project !== undefined) operation.project = project;
		} catch {
			throw new DiscoveryError(`${what} answered with an invalid cloudaicompanionProject`, 'invalid_response');
		}
	}
	return operation;
}

function finished(operation: Operation): string {
	if (operation.error !== undefined) throw new DiscoveryError(`onboarding failed: ${operation.error}`, 'onboarding_failed');
	if (operation.project === undefined) throw new DiscoveryError('onboarding finished without a Cloud Code project', 'onboarding_failed');
	return operation.project;
}

async function onboard(client: UpstreamClient, accessToken: string, tierId: string, options: DiscoveryOptions): Promise<string> {
	// Free tier: no project in the body (Google answers Precondition Failed otherwise).
	const answer = await client.call('onboardUser', {tierId, metadata: clientMetadata(options.platform, options.arch)}, accessToken, options.signal, options.clientVersion);
	if (options.signal?.aborted === true) throw abortError(options.signal);
	if (!answer.ok) throw upstreamFailure('onboardUser', answer.error);
	let operation = parseOperation(answer.json, 'onboardUser');
	if (operation.done) return finished(operation);
	const name = operation.name;
	if (name === undefined || !/^operations\/[A-Za-z0-9._~-]+$/.test(name)) {
		throw new DiscoveryError(`onboardUser returned a pending operation without a usable name (${JSON.stringify(name ?? null)})`, 'invalid_response');
	}
	const interval = options.pollIntervalMs ?? 5000;
	const maxPolls = options.maxPolls ?? 24;
	let lastProblem = 'still running';
	for (let poll = 0; poll < maxPolls; poll++) {
		await sleep(interval, undefined, options.signal === undefined ? {} : {signal: options.signal}).catch((error: unknown) => {
			throw options.signal?.aborted === true ? abortError(options.signal) : error;
		});
		const result = await getOperation(client, accessToken, name, options);
		if (!result.ok) {
			// A passing failure (network, 5xx) costs one poll; anything else ends the wait.
			if (result.error.kind !== 'server_error' && result.error.kind !== 'capacity' && result.error.kind !== 'rate_limited') {
				throw upstreamFailure(`polling ${name}`, result.error);
			}
			lastProblem = result.error.message;
			continue;
		}
		operation = parseOperation(result.json, `polling ${name}`);
		if (operation.done) return finished(operation);
	}
	throw new DiscoveryError(`onboarding did not finish after ${maxPolls} polls (${lastProblem})`, 'timeout');
}

/** GET {base}/v1internal/operations/<id> against the client's endpoints in order (UpstreamClient only does POST). */
async function getOperation(
	client: UpstreamClient,
	accessToken: string,
	name: string,
	options: DiscoveryOptions,
): Promise<{ok: true; json: unknown} | {ok: false; error: UpstreamError}> {
	const timeoutMs = options.requestTimeoutMs ?? 30_000;
	let last: UpstreamError = {status: 502, kind: 'server_error', message: 'no upstream endpoint configured'};
	for (const endpoint of client.endpoints) {
		const timeout = AbortSignal.timeout(timeoutMs);
		const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
		try {
			const response = await request(`${endpoint}/v1internal/${name}`, {
				method: 'GET',
				headers: {
					authorization: `Bearer ${accessToken}`,
					accept: 'application/json',
					'user-agent': options.clientVersion === undefined ? client.userAgent : antigravityUserAgent(options.clientVersion),
				},
				signal,
				headersTimeout: timeoutMs,
				bodyTimeout: timeoutMs,
			});
			const text = await response.body.text();
			if (response.statusCode === 200) {
				try {
					return {ok: true, json: JSON.parse(text) as unknown};
				} catch {
					last = {status: 502, kind: 'server_error', message: `polling ${name} answered with invalid JSON`};
					continue;
				}
			}
			last = parseUpstreamError(response.statusCode, text, {}, Date.now());
			// Another host may know the operation (404) or be healthier (5xx, 429).
			if (last.kind !== 'not_found' && last.kind !== 'server_error' && last.kind !== 'capacity' && last.kind !== 'rate_limited') return {ok: false, error: last};
		} catch (error) {
			if (options.signal?.aborted === true) throw abortError(options.signal);
			last = {status: 502, kind: 'server_error', message: `polling ${name} failed: ${error instanceof Error ? error.message : String(error)}`};
		}
	}
	return {ok: false, error: last};
}
