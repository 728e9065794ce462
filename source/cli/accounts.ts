// `agproxy accounts …`: add (browser sign-in or an existing refresh token), list, verify, remove, enable, disable.
// The sign-in happens here; storing and changing accounts goes through the running server's admin API when there is
// one, else to the data directory (cli/target.ts), so a running server's pool sees every change at once.
// Returns the exit code: 0 done, 1 the operation failed, 2 bad usage. Never prints a refresh or access token.
import type {AccountView} from '../actions/accounts.js';
import type {AccountVerdict} from '../actions/context.js';
import {createAccountVerifier, describeVerifyError} from '../actions/verify.js';
import {openBrowser} from '../accounts/browser.js';
import {DiscoveryError, type DiscoveryOptions} from '../accounts/discovery.js';
import {type Output, accountFromRefreshToken, login} from '../accounts/login.js';
import {type OAuthConfig, loadOAuthConfig} from '../accounts/oauth.js';
import {TokenManager} from '../accounts/tokens.js';
import type {AccountRecord} from '../accounts/types.js';
import {ConfigError, type Timeouts} from '../config.js';
import {UpstreamClient} from '../upstream/client.js';
import {type TargetOptions, UsageError, exitCodeOf, messageOf, table, withTarget} from './target.js';

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
	config: {upstreams: string[]; timeouts: Timeouts; clientVersion?: string};
	/** for tests: a browser launcher, the sign-in timeout, onboarding poll pacing */
	openBrowser?: (url: string) => Promise<boolean>;
	loginTimeoutMs?: number;
	discovery?: DiscoveryOptions;
	signal?: AbortSignal;
	/** for tests: where commands go (see cli/target.ts) */
	target?: TargetOptions;
};

const COMMANDS = ['add', 'list', 'verify', 'remove', 'enable', 'disable', 'set-client'] as const;
type Command = (typeof COMMANDS)[number];

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
	let version: string | undefined;
	let oauth: OAuthConfig;
	try {
		const [name, ...rest] = args;
		if (name === undefined) throw new UsageError(`missing accounts command (one of: ${COMMANDS.join(', ')})`);
		if (!isCommand(name)) throw new UsageError(`unknown accounts command '${name}' (one of: ${COMMANDS.join(', ')})`);
		command = name;
		const needsEmail = command === 'remove' || command === 'enable' || command === 'disable' || command === 'set-client';
		if (needsEmail) {
			email = rest.shift();
			if (email === undefined || email.trim() === '') throw new UsageError(`missing <email>: agproxy accounts ${command} <email>`);
		}
		if (command === 'set-client') {
			// `default` goes back to the clientVersion setting.
			const given = rest.shift();
			if (given === undefined || given.trim() === '') throw new UsageError('missing <version>: agproxy accounts set-client <email> <version|default>');
			version = given.trim() === 'default' ? undefined : given.trim();
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

	let client: UpstreamClient | undefined;
	const upstream = (): UpstreamClient => (client ??= new UpstreamClient(context.config.upstreams, context.config.timeouts, Date.now, context.config.clientVersion));
	const targetOptions = context.target ?? {};
	const signal = context.signal === undefined ? {} : {signal: context.signal};
	try {
		switch (command) {
			case 'list':
				return await withTarget(context.dataDir, targetOptions, async t => list(await t.call('accounts.list', {}), flags.json === true, say));
			case 'remove': {
				const address = email ?? '';
				const removed = await withTarget(context.dataDir, targetOptions, t => t.call('accounts.remove', {email: address}));
				say(`Removed ${removed.removed}.`);
				return 0;
			}
			case 'enable':
			case 'disable': {
				const address = email ?? '';
				const updated = await withTarget(context.dataDir, targetOptions, t => t.call('accounts.setEnabled', {email: address, enabled: command === 'enable'}));
				say(`${command === 'enable' ? 'Enabled' : 'Disabled'} ${updated.email}.`);
				return 0;
			}
			case 'set-client': {
				const address = email ?? '';
				const updated = await withTarget(context.dataDir, targetOptions, t => t.call('accounts.setClientVersion', {email: address, ...(version === undefined ? {} : {version})}));
				say(`${updated.email} now presents ${updated.clientVersion === undefined ? 'the clientVersion setting' : `client version ${updated.clientVersion}`}.`);
				return 0;
			}
			case 'add': {
				// The sign-in may take minutes: it runs before the data directory is touched (no lock held meanwhile).
				const discovery = {...context.discovery, ...signal};
				const record: AccountRecord =
					flags.refreshToken !== undefined
						? await accountFromRefreshToken({
								oauth,
								client: upstream(),
								refreshToken: flags.refreshToken.trim(),
								...(flags.email === undefined ? {} : {email: flags.email}),
								discovery,
								...signal,
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
								...signal,
								discovery,
							});
				const stored = await withTarget(context.dataDir, targetOptions, t => t.call('accounts.upsert', {record}));
				const where = `project ${record.projectId ?? '?'}, tier ${record.tier ?? '?'}`;
				// The e-mail is Google's (never typed): one Google account is one stored account, whatever it was called.
				if (stored.created) say(`Added ${record.email} (${where}).`);
				else say(`Updated ${record.email} (${where}): this Google account was already stored, so its refresh token was replaced; no second account was added.`);
				return 0;
			}
			case 'verify': {
				const verdicts = await withTarget(
					context.dataDir,
					{
						...targetOptions,
						// Run here (no server): verify against Google with the accounts of the opened store.
						localContext: store => ({
							context: {
								verifyAccounts: createAccountVerifier({
									store: store.accounts,
									tokens: new TokenManager(store.accounts, oauth),
									client: upstream(),
									...(context.discovery === undefined ? {} : {discovery: context.discovery}),
								}),
							},
						}),
					},
					t => t.call('accounts.verify', {}, signal),
				);
				return report(verdicts, say);
			}
		}
		throw new Error(`unhandled accounts command ${String(command)}`);
	} catch (error) {
		fail(describe(error));
		return exitCodeOf(error);
	} finally {
		await client?.close();
	}
}

function describe(error: unknown): string {
	return error instanceof DiscoveryError ? describeVerifyError(error) : messageOf(error);
}

function status(account: AccountView): string {
	return `${health(account)}${account.clientVersion === undefined ? '' : ` (client ${account.clientVersion})`}`;
}

function health(account: AccountView): string {
	if (account.invalid !== undefined) return `invalid: ${account.invalid.reason}${account.invalid.url === undefined ? '' : ` (open ${account.invalid.url})`}`;
	if (account.health !== undefined && account.health !== 'active' && account.health !== 'disabled') return account.health.replace('_', ' ');
	return 'ok';
}

function list(accounts: AccountView[], json: boolean, say: (line: string) => void): number {
	if (json) {
		// Everything but the refresh token (which the actions never return).
		const visible = accounts.map(a => ({
			email: a.email,
			projectId: a.projectId ?? null,
			tier: a.tier ?? null,
			enabled: a.enabled,
			invalid: a.invalid ?? null,
			addedAt: a.addedAt,
			...(a.clientVersion === undefined ? {} : {clientVersion: a.clientVersion}),
			...(a.health === undefined ? {} : {health: a.health, requestsServed: a.requestsServed ?? 0}),
		}));
		say(JSON.stringify(visible, null, 2));
		return 0;
	}
	if (accounts.length === 0) {
		say('No accounts yet. Add one with: agproxy accounts add');
		return 0;
	}
	const rows = [['EMAIL', 'PROJECT', 'TIER', 'ENABLED', 'STATUS'], ...accounts.map(a => [a.email, a.projectId ?? '-', a.tier ?? '-', a.enabled ? 'yes' : 'no', status(a)])];
	for (const line of table(rows)) say(line);
	return 0;
}

function report(verdicts: AccountVerdict[], say: (line: string) => void): number {
	if (verdicts.length === 0) {
		say('No accounts to verify. Add one with: agproxy accounts add');
		return 0;
	}
	let failed = 0;
	for (const verdict of verdicts) {
		const suffix = verdict.enabled ? '' : ' [disabled]';
		if (verdict.kind === 'ok') {
			say(`${verdict.email}: ok (${verdict.detail})${suffix}`);
			continue;
		}
		failed++;
		if (verdict.kind === 'invalid') say(`${verdict.email}: invalid: ${verdict.reason}${verdict.url === undefined ? '' : ` (open ${verdict.url})`}${suffix}`);
		else say(`${verdict.email}: error: ${verdict.message}${suffix}`);
	}
	return failed === 0 ? 0 : 1;
}
