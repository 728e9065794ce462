#!/usr/bin/env node
// agproxy's command line. `--help`/`-h` and `--version` work anywhere, for every command and subcommand, and have no
// side effects. Bad arguments end in one clear line on stderr and a non-zero exit, never a stack trace (AGPROXY_DEBUG=1
// adds one). Flags the user did not type are undefined (no parser defaults): each command applies its own defaults.
// Each command's code is imported when that command runs: help and small commands start fast.
import meow from 'meow';
import {COMMANDS, type CommandName, type Flags, FLAGS, ORDER_RULE, PORT_RULE, WEIGHT_RULE, meowFlags, numberFlag, refuseForeignFlags, spelling, unknownFlags} from './source/cli/args.js';
import {helpFor, MAIN_HELP} from './source/cli/help.js';
import {UsageError} from './source/cli/usage-error.js';
import {DataDirError, resolveDataDir} from './source/paths.js';
import {VERSION} from './source/version.js';

/** meow throws for some command lines (a flag given twice): that too is one line and exit 2. */
function parseCommandLine(): ReturnType<typeof meow> {
	try {
		return meow(MAIN_HELP, {
			importMeta: import.meta,
			// Our own checks, so that every message is one line in agproxy's words (see source/cli/args.ts).
			allowUnknownFlags: true,
			autoHelp: false,
			autoVersion: false,
			// A boolean the user did not type stays undefined: `--admin` given is then `flags.admin !== undefined`.
			booleanDefault: undefined,
			flags: meowFlags(),
		});
	} catch (error) {
		process.stderr.write(`agproxy: ${error instanceof Error ? error.message : String(error)} (see agproxy --help)\n`);
		process.exit(2);
	}
}

const cli = parseCommandLine();

function isCommand(value: string): value is CommandName {
	return (COMMANDS as readonly string[]).includes(value);
}

function unexpected(command: CommandName, args: string[]): void {
	if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}' for 'agproxy ${command}' (see agproxy ${command} --help)`);
}

/** Resolves with the exit code, or undefined when a server now runs until a signal. */
async function main(): Promise<number | undefined> {
	const flags = cli.flags as Flags;
	const [first, ...rest] = cli.input;
	let command: CommandName;
	let args: string[];
	if (first === undefined) {
		command = flags.attach === true ? 'dashboard' : 'start';
		args = [];
	} else if (isCommand(first)) {
		command = first;
		args = rest;
	} else {
		if (flags.help === true) {
			process.stdout.write(MAIN_HELP);
			return 0;
		}
		throw new UsageError(`unknown command '${first}' (one of: ${COMMANDS.join(', ')}; see agproxy --help)`);
	}
	// Before anything else: help and version start, open and create nothing.
	if (flags.help === true) {
		process.stdout.write(helpFor(command, args[0]));
		return 0;
	}
	if (flags.version === true) {
		process.stdout.write(`${VERSION}\n`);
		return 0;
	}
	const unknown = unknownFlags(cli.unnormalizedFlags);
	if (unknown.length > 0) throw new UsageError(`unknown flag ${unknown[0]} (see agproxy ${command === 'start' ? '' : `${command} `}--help)`);
	refuseForeignFlags(command, flags);
	for (const [name, value] of Object.entries(flags)) {
		if (FLAGS[name as keyof typeof FLAGS]?.type === 'string' && typeof value === 'string' && value.trim() === '') throw new UsageError(`${spelling(name)} needs a value`);
	}

	switch (command) {
		case 'start': {
			unexpected(command, args);
			const port = numberFlag('--port', flags.port, PORT_RULE);
			const dataDir = resolveDataDir(flags.dataDir);
			const [{SettingsFile}, {loadConfig}] = await Promise.all([import('./source/settings.js'), import('./source/config.js')]);
			const {settings, problems} = new SettingsFile(dataDir).read();
			for (const problem of problems) process.stderr.write(`agproxy: ${problem}\n`);
			const config = loadConfig({host: flags.host, port, upstream: flags.upstream, modelMap: flags.modelMap, dataDir, strategy: flags.strategy, allowOpen: flags.allowOpen === true}, process.env, settings);
			// The server's code only once the command line is known to be good.
			const {runServer} = await import('./source/cli/serve.js');
			await runServer(config, {simulate: flags.simulate === true, daemon: flags.daemon === true});
			return undefined;
		}
		case 'accounts': {
			const callbackPort = numberFlag('--callback-port', flags.callbackPort, PORT_RULE);
			const {loadConfig} = await import('./source/config.js');
			const config = loadConfig({upstream: flags.upstream, dataDir: resolveDataDir(flags.dataDir)});
			const io = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env};
			const {runAccounts} = await import('./source/cli/accounts.js');
			return await runAccounts(args, {json: flags.json, browser: flags.browser, callbackPort, refreshToken: flags.refreshToken, email: flags.email}, io, {dataDir: config.dataDir, config});
		}
		case 'users': {
			const {runUsers} = await import('./source/cli/users.js');
			return await runUsers(args, {json: flags.json, admin: flags.admin}, process, {dataDir: resolveDataDir(flags.dataDir)});
		}
		case 'groups': {
			// Here --strategy is a group strategy, not the account strategy (no loadConfig).
			const order = numberFlag('--order', flags.order, ORDER_RULE);
			const weight = numberFlag('--weight', flags.weight, WEIGHT_RULE);
			const {runGroups} = await import('./source/cli/groups.js');
			return await runGroups(args, {json: flags.json, strategy: flags.strategy, order, weight, user: flags.user}, process, {dataDir: resolveDataDir(flags.dataDir)});
		}
		case 'settings': {
			const {runSettings} = await import('./source/cli/settings.js');
			return runSettings(args, resolveDataDir(flags.dataDir), process);
		}
		case 'dashboard': {
			unexpected(command, args);
			const dataDir = resolveDataDir(flags.dataDir);
			// Loaded only here: no other command pays for Ink and React.
			const {runDashboardCommand} = await import('./source/cli/dashboard.js');
			const code = await runDashboardCommand({dataDir});
			// Whatever the terminal UI left listening (stdin, timers), the dashboard is over.
			process.exit(code);
		}
		case 'simulator': {
			unexpected(command, args);
			const port = numberFlag('--port', flags.port, PORT_RULE) ?? 8090;
			const {runSimulator} = await import('./source/cli/simulator.js');
			await runSimulator({port, host: flags.host ?? '127.0.0.1'});
			return undefined;
		}
	}
}

/** Error classes by name: the modules that throw them are loaded only by the commands that use them. */
const USAGE_ERRORS = new Set(['ConfigError', 'SettingsError', 'DataDirError']);
const KNOWN_FAILURES = new Set(['WriterLockError', 'StoreOpenError', 'StoreDataError', 'ServerInfoError', 'TargetError', 'AdminError']);
const NETWORK_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND']);

/** Exit 2: the command line or configuration is wrong. Exit 1: it was right but the operation could not be done. */
function exitCodeFor(error: unknown): number {
	if (error instanceof UsageError || error instanceof DataDirError) return 2;
	return error instanceof Error && USAGE_ERRORS.has(error.constructor.name) ? 2 : 1;
}

function expected(error: unknown): boolean {
	if (exitCodeFor(error) === 2) return true;
	if (!(error instanceof Error)) return false;
	return KNOWN_FAILURES.has(error.name) || KNOWN_FAILURES.has(error.constructor.name) || NETWORK_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}

function oneLine(error: unknown): string {
	const text = error instanceof Error ? error.message : String(error);
	return text.replace(/\s*\n\s*/g, ' ').trim() || 'failed';
}

main().then(
	code => {
		if (code !== undefined) process.exitCode = code;
	},
	(error: unknown) => {
		const debug = process.env['AGPROXY_DEBUG'] !== undefined && process.env['AGPROXY_DEBUG'] !== '' && process.env['AGPROXY_DEBUG'] !== '0';
		// Known failures are one line; a bug says so, still in one line unless AGPROXY_DEBUG asks for the stack.
		const known = expected(error);
		process.stderr.write(`agproxy: ${known ? '' : 'fatal: '}${oneLine(error)}${!known && !debug ? ' (AGPROXY_DEBUG=1 shows where)' : ''}\n`);
		if (debug && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
		process.exit(exitCodeFor(error));
	},
);
