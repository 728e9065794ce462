// Runtime configuration from CLI flags and environment variables, validated once at start.
import {type ModelRule, DEFAULT_MODEL_RULES, parseModelRules} from './models/catalogue.js';
import {resolveDataDir} from './paths.js';
import type {Settings} from './settings.js';
import {DEFAULT_CLIENT_VERSION, isClientVersion} from './upstream/client-version.js';

export const DEFAULT_UPSTREAMS = ['https://daily-cloudcode-pa.googleapis.com', 'https://cloudcode-pa.googleapis.com'];

export const STRATEGIES = ['sticky', 'round-robin', 'quota-aware'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export type Timeouts = {connectMs: number; firstByteMs: number; idleMs: number};

export type Config = {
	host: string;
	port: number;
	/** Cloud Code base URLs, tried in order (fallback on network errors, 429, 5xx). */
	upstreams: string[];
	/** Single-token mode (before account management): a Cloud Code access token and its project. */
	accessToken?: string;
	project?: string;
	bodyLimitBytes: number;
	/** How long a client may take to send its whole request (slowloris guard); 0 = no limit. */
	requestTimeoutMs: number;
	timeouts: Timeouts;
	pingIntervalMs: number;
	shutdownGraceMs: number;
	modelRules: ModelRule[];
	/** How many times a request is retried upstream before anything was sent to the client. */
	maxAttempts: number;
	/** One shared client key for /v1/* (until per-user keys exist); unset = open. */
	apiKey?: string;
	dataDir: string;
	/** How the account pool picks an account. */
	strategy: Strategy;
	/** A rate limit shorter than this is waited out when no other account is free. */
	maxWaitMs: number;
	/** Requests one account serves at once; more wait in its queue. */
	accountConcurrency: number;
	/** quota-aware: accounts under this remaining fraction of a model are skipped. */
	quotaThreshold: number;
	quotaRefreshMs: number;
	/** Serve without keys on a non-loopback address even when no user exists. */
	allowOpen: boolean;
	/** Web page origins allowed to call agproxy (CORS; also served keyless in open mode). `*` = any. */
	allowedOrigins: string[];
	/** Host names accepted in open mode besides localhost, *.localhost and IP addresses (DNS-rebinding guard). `*` = any. */
	allowedHosts: string[];
	/** The Antigravity client version presented to Google (User-Agent); an account may override it. */
	clientVersion: string;
};

export class ConfigError extends Error {}

export type ConfigInput = {
	allowOpen?: boolean | undefined;
	dataDir?: string | undefined;
	strategy?: string | undefined;
	host?: string | undefined;
	port?: number | undefined;
	upstream?: string | undefined;
	modelMap?: string | undefined;
};

function clientVersionFrom(value: string | undefined): string {
	if (value === undefined || value.trim() === '') return DEFAULT_CLIENT_VERSION;
	if (!isClientVersion(value.trim())) throw new ConfigError(`invalid AGPROXY_CLIENT_VERSION '${value}': expected a version like ${DEFAULT_CLIENT_VERSION}`);
	return value.trim();
}

/** Precedence: flag > environment variable > setting (settings.json) > default. */
export function loadConfig(flags: ConfigInput, env: NodeJS.ProcessEnv = process.env, settings: Settings = {}): Config {
	const port = flags.port ?? intFromEnv(env, 'PORT', settings.port ?? 8080);
	if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`invalid port ${port}: expected 0-65535`);
	const upstreams = parseUpstreams(flags.upstream ?? env['AGPROXY_UPSTREAM']);
	let modelRules: ModelRule[] = [...DEFAULT_MODEL_RULES];
	const map = flags.modelMap ?? env['AGPROXY_MODEL_MAP'] ?? settings.modelMap;
	if (map) {
		try {
			modelRules = [...parseModelRules(map), ...DEFAULT_MODEL_RULES];
		} catch (error) {
			throw new ConfigError((error as Error).message);
		}
	}
	const config: Config = {
		host: flags.host ?? env['HOST'] ?? settings.host ?? '127.0.0.1',
		port,
		upstreams,
		bodyLimitBytes: intFromEnv(env, 'AGPROXY_BODY_LIMIT_BYTES', 32 * 1024 * 1024),
		requestTimeoutMs: intFromEnv(env, 'AGPROXY_REQUEST_TIMEOUT_MS', 300_000),
		timeouts: {
			connectMs: intFromEnv(env, 'AGPROXY_CONNECT_TIMEOUT_MS', 10_000),
			firstByteMs: intFromEnv(env, 'AGPROXY_FIRST_BYTE_TIMEOUT_MS', 120_000),
			idleMs: intFromEnv(env, 'AGPROXY_IDLE_TIMEOUT_MS', 300_000),
		},
		pingIntervalMs: intFromEnv(env, 'AGPROXY_PING_INTERVAL_MS', 15_000),
		shutdownGraceMs: intFromEnv(env, 'AGPROXY_SHUTDOWN_GRACE_MS', 10_000),
		modelRules,
		maxAttempts: intFromEnv(env, 'AGPROXY_MAX_ATTEMPTS', 3),
		dataDir: resolveDataDir(flags.dataDir, env),
		strategy: parseStrategy(flags.strategy ?? env['AGPROXY_STRATEGY'] ?? settings.strategy),
		maxWaitMs: intFromEnv(env, 'AGPROXY_MAX_WAIT_MS', settings.maxWaitMs ?? 120_000),
		accountConcurrency: Math.max(1, intFromEnv(env, 'AGPROXY_ACCOUNT_CONCURRENCY', settings.accountConcurrency ?? 8)),
		quotaThreshold: fractionFromEnv(env, 'AGPROXY_QUOTA_THRESHOLD', settings.quotaThreshold ?? 0.05),
		quotaRefreshMs: intFromEnv(env, 'AGPROXY_QUOTA_REFRESH_MS', 300_000),
		allowOpen: flags.allowOpen ?? false,
		allowedOrigins: parseOrigins(env['AGPROXY_ALLOWED_ORIGINS'] ?? settings.allowedOrigins, 'AGPROXY_ALLOWED_ORIGINS'),
		allowedHosts: parseHostNames(env['AGPROXY_ALLOWED_HOSTS'] ?? settings.allowedHosts, 'AGPROXY_ALLOWED_HOSTS'),
		clientVersion: clientVersionFrom(env['AGPROXY_CLIENT_VERSION'] ?? settings.clientVersion),
	};
	if (env['AGPROXY_ACCESS_TOKEN']) config.accessToken = env['AGPROXY_ACCESS_TOKEN'];
	if (env['AGPROXY_PROJECT']) config.project = env['AGPROXY_PROJECT'];
	if (env['AGPROXY_API_KEY']) config.apiKey = env['AGPROXY_API_KEY'];
	return config;
}

/** `https://app.example,http://localhost:3000` -> exact, lowercase origins (scheme://host[:port], no path); `*` = any. */
export function parseOrigins(value: string | undefined, name: string): string[] {
	const items = splitList(value);
	for (const item of items) {
		if (item !== '*' && !ORIGIN_PATTERN.test(item)) throw new ConfigError(`invalid origin '${item}' in ${name}: expected scheme://host[:port] (no path), e.g. https://app.example, or *`);
	}
	return items;
}

/** `agproxy.lan,my-box` -> lowercase host names without port; `*` = any. */
export function parseHostNames(value: string | undefined, name: string): string[] {
	const items = splitList(value);
	for (const item of items) {
		if (item !== '*' && !HOST_NAME_PATTERN.test(item)) throw new ConfigError(`invalid host name '${item}' in ${name}: expected a name such as agproxy.lan (no port), or *`);
	}
	return items;
}

export const ORIGIN_PATTERN = /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]+$/;
export const HOST_NAME_PATTERN = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

function splitList(value: string | undefined): string[] {
	return (value ?? '').split(',').map(item => item.trim().toLowerCase()).filter(item => item !== '');
}

function parseStrategy(value: string | undefined): Strategy {
	if (value === undefined || value === '') return 'sticky';
	if ((STRATEGIES as readonly string[]).includes(value)) return value as Strategy;
	throw new ConfigError(`invalid strategy '${value}': expected ${STRATEGIES.join(', ')}`);
}

function fractionFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError(`invalid ${name}='${raw}': expected a number from 0 to 1`);
	return value;
}

function parseUpstreams(value: string | undefined): string[] {
	if (!value) return [...DEFAULT_UPSTREAMS];
	const urls = value.split(',').map(s => s.trim().replace(/\/+$/, '')).filter(Boolean);
	for (const url of urls) {
		if (!/^https?:\/\/[^\s/]+/.test(url)) throw new ConfigError(`invalid upstream URL '${url}': expected http(s)://host[:port]`);
	}
	if (urls.length === 0) throw new ConfigError('AGPROXY_UPSTREAM is empty');
	return urls;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < 0) throw new ConfigError(`invalid ${name}='${raw}': expected a non-negative integer`);
	return value;
}
