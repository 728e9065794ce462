// `agproxy accounts …`: add (browser sign-in or an existing refresh token), list, verify, remove, enable, disable.
// Returns the exit code: 0 done, 1 the operation failed, 2 bad usage. Never prints a refresh or access token.
import {openBrowser} from '../accounts/browser.js';
import {DiscoveryError, type DiscoveryOptions, discoverProject} from '../accounts/discovery.js';
import {AccountFileError, FileAccountStore} from '../accounts/file-store.js';
import {LoginError, type Output, accountFromRefreshToken, login} from '../accounts/login.js';
import {OAuthError, type OAuthConfig, loadOAuthConfig} from '../accounts/oauth.js';
import {TokenManager} from '../accounts/tokens.js';
import {type AccountRecord, type AccountStore, InvalidGrantError} from '../accounts/types.js';
import {ConfigError, type Timeouts} from '../config.js';
import {UpstreamClient} from '../upstream/client.js';

/** meow flags: json, browser (default true; `--no-browser` sets false), callbackPort, refreshToken, email. */
export type AccountsFlags = {
	json?: boolean | undefined;
	browser?: boolean | undefined;
	callbackPort?: number | undefined;
	refreshToken?: string | undefined;
	email?: string | undefined;
};

export type AccountsIo = {
	stdout: Output;
	stderr: Output;
	stdin: NodeJS.ReadableStream;
	env: NodeJS.ProcessEnv;
};

export type AccountsContext = {
	/** resolveDataDir(...) */
	dataDir: string;
	/** from loadConfig(...) */
	config: {upstreams: string[]; timeouts: Timeouts};
	/** for tests: a browser launcher, the sign-in timeout, onboarding poll pacing */
	openBrowser?: (url: string) => Promise<boolean>;
	loginTimeoutMs?: number;
	discovery?: DiscoveryOptions;
	signal?: AbortSignal;
};

const COMMANDS = ['add', 'list', 'verify', 'remove', 'enable', 'disable'] as const;
type Command = (typeof COMMANDS)[number];

class UsageError extends Error {}

function isCommand(value: string): value is Command {
	return (COMMANDS as readonly string[]).includes(value);
}

/** Flags that only make sense for some commands. */
function checkFlags(command: Command, flags: AccountsFlags): void {
	const refreshTokenGiven = flags.refreshToken !== undefined;
	if (command !== 'add') {
		const stray = [
			refreshTokenGiven ? '--refresh-token' : undefined,
			flags.email !== undefined ? '--email' : undefined,
			flags.callbackPort !== undefined ? '--callback-port' : undefined,
			flags.browser === false ? '--no-browser' : undefined,
			flags.json === true && command !== 'list' ? '--json' : undefined,
		].find((name) => name !== undefined);
		if (stray !== undefined) throw new UsageError(`${stray} does not apply to 'accounts ${command}'`);
		return;
	}
	if (flags.json === true) throw new UsageError(`--json does not apply to 'accounts add'`);
	if (refreshTokenGiven) {
		if (flags.refreshToken?.trim() === '') throw new UsageError('--refresh-token is empty');
		if (flags.callbackPort !== undefined || flags.browser === false) throw new UsageError('--callback-port and --no-browser are for the browser sign-in, not --refresh-token');
		if (flags.email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(flags.email)) throw new UsageError(`invalid --email '${flags.email}'`);
	} else {
		if (flags.email !== undefined) throw new UsageError('--email goes with --refresh-token (the browser sign-in finds the e-mail itself)');
		const port = flags.callbackPort;
		if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) throw new UsageError(`invalid --callback-port ${String(port)}: expected 0-65535`);
	}
}

export async function runAccounts(args: string[], flags: AccountsFlags, io: AccountsIo, context: AccountsContext): Promise<number> {
	const say = (line: string): void => void io.stdout.write(`${line}\n`);
	const fail = (line: string): void => void io.stderr.write(`agproxy: ${line}\n`);
	let command: Command;
	let email: string | undefined;
	let oauth: OAuthConfig;
	try {
		const [name, ...rest] = args;
		if (name === undefined) throw new UsageError(`missing accounts command (one of: ${COMMANDS.join(', ')})`);
		if (!isCommand(name)) throw new UsageError(`unknown accounts command '${name}' (one of: ${COMMANDS.join(', ')})`);
		command = name;
		const needsEmail = command === 'remove' || command === 'enable' || command === 'disable';
		if (needsEmail) {
			email = rest.shift();
			if (email === undefined || email.trim() === '') throw new UsageError(`missing <email>: agproxy accounts ${command} <email>`);
		}
		if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}' for 'accounts ${command}'`);
		checkFlags(command, flags);
		oauth = loadOAuthConfig(io.env);
	} catch (error) {
		if (error instanceof UsageError || error instanceof ConfigError) {
			fail(error.message);
			return 2;
		}
		throw error;
	}

	const store = new FileAccountStore(context.dataDir);
	let client: UpstreamClient | undefined;
	const upstream = (): UpstreamClient => (client ??= new UpstreamClient(context.config.upstreams, context.config.timeouts));
	try {
		switch (command) {
			case 'list':
				return await list(store, flags.json === true, say);
			case 'remove': {
				const target = email ?? '';
				if (!(await store.remove(target))) return notFound(target, fail);
				say(`Removed ${target}.`);
				return 0;
			}
			case 'enable':
			case 'disable': {
				const target = email ?? '';
				const updated = await store.update(target, {enabled: command === 'enable'});
				if (updated === undefined) return notFound(target, fail);
				say(`${command === 'enable' ? 'Enabled' : 'Disabled'} ${updated.email}.`);
				return 0;
			}
			case 'add': {
				const discovery = {...context.discovery, ...(context.signal === undefined ? {} : {signal: context.signal})};
				const record =
					flags.refreshToken !== undefined
						? await accountFromRefreshToken({
								oauth,
								client: upstream(),
								refreshToken: flags.refreshToken.trim(),
								...(flags.email === undefined ? {} : {email: flags.email}),
								discovery,
								...(context.signal === undefined ? {} : {signal: context.signal}),
							})
						: await login({
								oauth,
								client: upstream(),
								output: io.stdout,
								input: io.stdin,
								noBrowser: flags.browser === false,
								...(flags.callbackPort === undefined ? {} : {callbackPort: flags.callbackPort}),
								openBrowser: context.openBrowser ?? ((url: string) => openBrowser(url, io.env)),
								...(context.loginTimeoutMs === undefined ? {} : {timeoutMs: context.loginTimeoutMs}),
								...(context.signal === undefined ? {} : {signal: context.signal}),
								discovery,
							});
				const existing = await store.get(record.email);
				await store.upsert(existing === undefined ? record : {...record, addedAt: existing.addedAt});
				say(`${existing === undefined ? 'Added' : 'Updated'} ${record.email} (project ${record.projectId ?? '?'}, tier ${record.tier ?? '?'}).`);
				return 0;
			}
			case 'verify':
				return await verify(store, oauth, upstream(), context, say);
		}
		throw new Error(`unhandled accounts command ${String(command)}`);
	} catch (error) {
		fail(describe(error));
		return 1;
	} finally {
		store.close();
		await client?.close();
	}
}

function notFound(email: string, fail: (line: string) => void): number {
	fail(`no stored account ${email} (see agproxy accounts list)`);
	return 1;
}

function describe(error: unknown): string {
	if (error instanceof DiscoveryError && error.kind === 'validation_required' && error.validationUrl !== undefined && !error.message.includes(error.validationUrl)) {
		return `${error.message}: open ${error.validationUrl}`;
	}
	if (
		error instanceof LoginError ||
		error instanceof OAuthError ||
		error instanceof InvalidGrantError ||
		error instanceof DiscoveryError ||
		error instanceof AccountFileError ||
		error instanceof RangeError
	) {
		return error.message;
	}
	return error instanceof Error ? error.message : String(error);
}

function status(record: AccountRecord): string {
	if (record.invalid === undefined) return 'ok';
	return `invalid: ${record.invalid.reason}${record.invalid.url === undefined ? '' : ` (open ${record.invalid.url})`}`;
}

async function list(store: AccountStore, json: boolean, say: (line: string) => void): Promise<number> {
	const records = await store.list();
	if (json) {
		// Everything but the refresh token.
		const visible = records.map((r) => ({
			email: r.email,
			projectId: r.projectId ?? null,
			tier: r.tier ?? null,
			enabled: r.enabled,
			invalid: r.invalid ?? null,
			addedAt: r.addedAt,
		}));
		say(JSON.stringify(visible, null, 2));
		return 0;
	}
	if (records.length === 0) {
		say('No accounts yet. Add one with: agproxy accounts add');
		return 0;
	}
	const rows = [
		['EMAIL', 'PROJECT', 'TIER', 'ENABLED', 'STATUS'],
		...records.map((r) => [r.email, r.projectId ?? '-', r.tier ?? '-', r.enabled ? 'yes' : 'no', status(r)]),
	];
	const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
	for (const row of rows) {
		say(
			row
				.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
				.join('  ')
				.trimEnd(),
		);
	}
	return 0;
}

const VERIFICATION_REQUIRED = 'Google requires this account to be verified';

type Verdict = {kind: 'ok'; detail: string} | {kind: 'invalid'; reason: string; url?: string} | {kind: 'error'; message: string};

/**
 * Per account: a forced refresh, loadCodeAssist (through discovery, so an account that lost its onboarding gets it
 * back) and fetchAvailableModels. Findings are written back: a definitive refusal marks the account invalid, a
 * clean pass clears an old mark and records the project and tier Google reports now.
 */
async function verify(store: AccountStore, oauth: OAuthConfig, client: UpstreamClient, context: AccountsContext, say: (line: string) => void): Promise<number> {
	const records = await store.list();
	if (records.length === 0) {
		say('No accounts to verify. Add one with: agproxy accounts add');
		return 0;
	}
	const tokens = new TokenManager(store, oauth);
	let failed = 0;
	for (const record of records) {
		const verdict = await verifyOne(record, store, tokens, client, context);
		const suffix = record.enabled ? '' : ' [disabled]';
		if (verdict.kind === 'ok') {
			say(`${record.email}: ok (${verdict.detail})${suffix}`);
			continue;
		}
		failed++;
		if (verdict.kind === 'invalid') say(`${record.email}: invalid: ${verdict.reason}${verdict.url === undefined ? '' : ` (open ${verdict.url})`}${suffix}`);
		else say(`${record.email}: error: ${verdict.message}${suffix}`);
	}
	return failed === 0 ? 0 : 1;
}

async function verifyOne(record: AccountRecord, store: AccountStore, tokens: TokenManager, client: UpstreamClient, context: AccountsContext): Promise<Verdict> {
	const signal = context.signal === undefined ? {} : {signal: context.signal};
	const markInvalid = async (reason: string, url?: string): Promise<Verdict> => {
		await store.update(record.email, {invalid: {reason, at: new Date().toISOString(), ...(url === undefined ? {} : {url})}});
		return {kind: 'invalid', reason, ...(url === undefined ? {} : {url})};
	};
	let accessToken: string;
	try {
		accessToken = await tokens.accessToken(record.email, {force: true, ...signal});
	} catch (error) {
		// TokenManager has already marked the account for invalid_grant.
		if (error instanceof InvalidGrantError) return {kind: 'invalid', reason: error.reason};
		return {kind: 'error', message: describe(error)};
	}
	let found: {projectId: string; tier: string};
	try {
		found = await discoverProject(client, accessToken, {...context.discovery, ...signal});
	} catch (error) {
		if (error instanceof DiscoveryError && error.kind === 'validation_required') return markInvalid(VERIFICATION_REQUIRED, error.validationUrl);
		if (error instanceof DiscoveryError && error.accountProblem) return markInvalid(error.message);
		return {kind: 'error', message: describe(error)};
	}
	const models = await client.call('fetchAvailableModels', {project: found.projectId}, accessToken, context.signal);
	if (!models.ok) {
		if (models.error.kind === 'validation_required') return markInvalid(VERIFICATION_REQUIRED, models.error.validationUrl);
		if (models.error.kind === 'banned') return markInvalid(models.error.message);
		return {kind: 'error', message: `fetchAvailableModels failed (HTTP ${models.error.status}): ${models.error.message}`};
	}
	const catalogue = typeof models.json === 'object' && models.json !== null ? (models.json as Record<string, unknown>)['models'] : undefined;
	if (typeof catalogue !== 'object' || catalogue === null || Array.isArray(catalogue)) {
		return {kind: 'error', message: 'fetchAvailableModels answered without a models object'};
	}
	const count = Object.values(catalogue as Record<string, unknown>).filter(
		(model) => typeof model === 'object' && model !== null && typeof (model as Record<string, unknown>)['displayName'] === 'string',
	).length;
	if (record.invalid !== undefined || record.projectId !== found.projectId || record.tier !== found.tier) {
		await store.update(record.email, {projectId: found.projectId, tier: found.tier, invalid: undefined});
	}
	return {kind: 'ok', detail: `project ${found.projectId}, tier ${found.tier}, ${count} models`};
}
