// Persistent settings (`<data-dir>/settings.json`, through conf): what a user sets once instead of passing flags every time.
// Precedence: command-line flag > environment variable > setting > built-in default. Data (accounts, users, groups) is not here.
import Conf from 'conf';
import {HOST_NAME_PATTERN, ORIGIN_PATTERN, STRATEGIES} from './config.js';
import {ensureDataDir} from './paths.js';
import {DEFAULT_CLIENT_VERSION, isClientVersion} from './upstream/client-version.js';

export type Settings = {
	port?: number;
	host?: string;
	strategy?: (typeof STRATEGIES)[number];
	maxWaitMs?: number;
	accountConcurrency?: number;
	quotaThreshold?: number;
	/** `glob=model,glob=model`, tried before the built-in rules. */
	modelMap?: string;
	/** The Antigravity client version presented to Google (an account may override it). */
	clientVersion?: string;
	/** Web page origins allowed to call agproxy, comma-separated (AGPROXY_ALLOWED_ORIGINS). */
	allowedOrigins?: string;
	/** Host names accepted in open mode besides localhost and addresses, comma-separated (AGPROXY_ALLOWED_HOSTS). */
	allowedHosts?: string;
};

type Check = (value: unknown) => string | undefined;

/** `Number('')` is 0: an empty or blank value must not become port 0. */
const number = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));

const integer = (min: number, max: number): Check => value =>
	typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? undefined : `an integer from ${min} to ${max}`;

/** A comma-separated list whose items (lowercased) all match `pattern` or are `*`. */
const listOf = (pattern: RegExp, expected: string): Check => value => {
	if (typeof value !== 'string') return expected;
	const items = value.split(',').map(item => item.trim().toLowerCase());
	return items.length > 0 && items.every(item => item === '*' || pattern.test(item)) ? undefined : expected;
};

/** Every setting, how to validate it, and how its text form (CLI) is parsed. */
const KEYS: Record<keyof Settings, {check: Check; parse: (text: string) => unknown; description: string}> = {
	port: {check: integer(0, 65_535), parse: number, description: 'listen port (flag --port, env PORT)'},
	host: {check: v => (typeof v === 'string' && v.length > 0 ? undefined : 'a host name or address'), parse: s => s, description: 'bind address (--host, HOST)'},
	strategy: {
		check: v => ((STRATEGIES as readonly unknown[]).includes(v) ? undefined : `one of ${STRATEGIES.join(', ')}`),
		parse: s => s,
		description: 'account choice (--strategy, AGPROXY_STRATEGY)',
	},
	maxWaitMs: {check: integer(0, 3_600_000), parse: number, description: 'longest wait for a rate-limited account, ms (AGPROXY_MAX_WAIT_MS)'},
	accountConcurrency: {check: integer(1, 1000), parse: number, description: 'requests per account at once (AGPROXY_ACCOUNT_CONCURRENCY)'},
	quotaThreshold: {
		check: v => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'a number from 0 to 1'),
		parse: number,
		description: 'quota-aware: skip accounts under this fraction (AGPROXY_QUOTA_THRESHOLD)',
	},
	modelMap: {
		check: v => (typeof v === 'string' && /^\s*[^=,\s]+\s*=\s*[^=,\s]+\s*(,\s*[^=,\s]+\s*=\s*[^=,\s]+\s*)*$/.test(v) ? undefined : 'glob=model[,glob=model…]'),
		parse: s => s,
		description: 'model rules tried before the defaults (--model-map, AGPROXY_MODEL_MAP)',
	},
	clientVersion: {
		check: v => (typeof v === 'string' && isClientVersion(v) ? undefined : 'a version like 2.9.1'),
		parse: s => s.trim(),
		description: `Antigravity client version presented to Google, default ${DEFAULT_CLIENT_VERSION} (AGPROXY_CLIENT_VERSION)`,
	},
	allowedOrigins: {
		check: listOf(ORIGIN_PATTERN, 'origins such as https://app.example[,…] (scheme://host[:port]), or *'),
		parse: s => s.trim(),
		description: 'web page origins allowed to call agproxy, comma-separated (AGPROXY_ALLOWED_ORIGINS)',
	},
	allowedHosts: {
		check: listOf(HOST_NAME_PATTERN, 'host names such as agproxy.lan[,…] (no port), or *'),
		parse: s => s.trim(),
		description: 'Host names accepted without keys besides localhost and IP addresses, comma-separated (AGPROXY_ALLOWED_HOSTS)',
	},
};

export class SettingsError extends Error {}

export const SETTING_KEYS = Object.keys(KEYS) as Array<keyof Settings>;

export function describeSetting(key: keyof Settings): string {
	return KEYS[key].description;
}

function isKey(key: string): key is keyof Settings {
	return key in KEYS;
}

export class SettingsFile {
	private readonly conf: Conf<Settings>;

	constructor(dataDir: string) {
		try {
			this.conf = new Conf<Settings>({projectName: 'agproxy', cwd: ensureDataDir(dataDir), configName: 'settings', configFileMode: 0o600, clearInvalidConfig: false});
		} catch (error) {
			// A hand-edited file that is not JSON, or a data directory that cannot be created: one line, nothing changed.
			const reason = error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error);
			throw new SettingsError(`cannot read the settings in ${dataDir}: ${reason}`);
		}
	}

	/** Valid settings only: a hand-edited bad value is reported, not used. */
	read(): {settings: Settings; problems: string[]} {
		const settings: Record<string, unknown> = {};
		const problems: string[] = [];
		for (const [key, value] of Object.entries(this.conf.store)) {
			if (!isKey(key)) {
				problems.push(`unknown setting '${key}' ignored`);
				continue;
			}
			const problem = KEYS[key].check(value);
			if (problem) problems.push(`setting ${key} ignored: expected ${problem}`);
			else settings[key] = value;
		}
		return {settings: settings as Settings, problems};
	}

	set(key: string, text: string): void {
		if (!isKey(key)) throw new SettingsError(`unknown setting '${key}' (one of ${SETTING_KEYS.join(', ')})`);
		const value = KEYS[key].parse(text);
		const problem = KEYS[key].check(value);
		if (problem) throw new SettingsError(`invalid ${key} '${text}': expected ${problem}`);
		this.conf.set(key, value as never);
	}

	unset(key: string): void {
		if (!isKey(key)) throw new SettingsError(`unknown setting '${key}' (one of ${SETTING_KEYS.join(', ')})`);
		this.conf.delete(key);
	}

	get path(): string {
		return this.conf.path;
	}
}
