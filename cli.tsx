#!/usr/bin/env node
// agproxy's command line. Bad arguments end in one clear line on stderr and a non-zero exit, never a stack trace.
import meow from 'meow';
import {ConfigError, loadConfig} from './source/config.js';
import {runAccounts} from './source/cli/accounts.js';
import {runServer} from './source/cli/serve.js';
import {runGroups} from './source/cli/groups.js';
import {runSettings} from './source/cli/settings.js';
import {runUsers} from './source/cli/users.js';
import {resolveDataDir} from './source/paths.js';
import {SettingsFile} from './source/settings.js';
import {runSimulator} from './source/cli/simulator.js';

const cli = meow(
	`
  Usage
    $ agproxy [start] [options]        Serve the Anthropic Messages API over Cloud Code
    $ agproxy accounts <command>       Manage the Google accounts agproxy uses
    $ agproxy users <command>          API keys for the people and tools that use agproxy
    $ agproxy groups <command>         Model groups: virtual model names that fail over across real models
    $ agproxy settings [list|get|set|unset] [key] [value]   Persistent settings (port, host, strategy, …)
    $ agproxy simulator [options]      Run the Cloud Code simulator on its own

  Accounts
    accounts add [--no-browser] [--callback-port N]     Sign in with Google (opens the browser when it can)
    accounts add --refresh-token <token> [--email <e>]  Add an account from a refresh token (remote machines)
    accounts list [--json]                              Accounts with project, tier and state
    accounts verify                                     Refresh, find the project and read quotas for each account
    accounts remove|enable|disable <email>

  Users (when at least one exists, every request needs a key: x-api-key or Authorization: Bearer)
    users create <name> [--admin]      Prints the new key once (sk-agp-…)
    users list [--json]                Key prefix, admin, created, last used, usage today and in total
    users rotate <name>                New key shown once; the old one stops working at once
    users delete|disable|enable <name>

  Groups (a request for the alias tries the members in turn: rate-limited, exhausted or failing ones are skipped)
    groups create <alias> --strategy priority|random [--user <name>]
    groups add <alias> <model> [--order N] [--weight W] [--user <name>]
    groups remove <alias> <model> [--user]     groups move <alias> <model> <order> [--user]
    groups strategy <alias> priority|random    groups list [--json]    groups delete <alias> [--user]
    groups test <alias> [--user]               Sends a tiny request through the group, says which member answered

  Options
    --port, -p       Port to listen on (default 8080, env PORT; simulator: 8090)
    --host           Address to bind (default 127.0.0.1, env HOST)
    --daemon         Headless: JSON log lines on stdout, no dashboard
    --data-dir       Where accounts and data live (env AGPROXY_DATA_DIR; default the user data directory)
    --strategy       Account choice: sticky (default), round-robin, quota-aware (env AGPROXY_STRATEGY)
    --allow-open     Serve without keys on a non-loopback address even when no user exists
    --simulate       Run against a built-in Cloud Code simulator with demo accounts (no Google account needed)
    --upstream       Comma-separated Cloud Code base URLs (env AGPROXY_UPSTREAM)
    --model-map      Extra model rules, glob=model,... tried before the defaults (env AGPROXY_MODEL_MAP)
    --version        Print the version
    --help           Print this help

  Environment
    AGPROXY_ACCESS_TOKEN, AGPROXY_PROJECT   A Cloud Code access token and project (single-token mode, no accounts)
    AGPROXY_OAUTH_AUTH_URL, AGPROXY_OAUTH_TOKEN_URL, AGPROXY_USERINFO_URL, AGPROXY_OAUTH_CLIENT_ID,
    AGPROXY_OAUTH_CLIENT_SECRET             Google OAuth endpoints and client (defaults: Google, the Antigravity client)
    AGPROXY_MAX_WAIT_MS, AGPROXY_ACCOUNT_CONCURRENCY, AGPROXY_QUOTA_THRESHOLD, AGPROXY_QUOTA_REFRESH_MS   Pool tuning
    AGPROXY_API_KEY                         Require this key from clients (x-api-key or Bearer) on /v1/*
    AGPROXY_BODY_LIMIT_BYTES                Largest accepted request body (default 32 MiB)
    AGPROXY_CONNECT_TIMEOUT_MS, AGPROXY_FIRST_BYTE_TIMEOUT_MS, AGPROXY_IDLE_TIMEOUT_MS   Upstream timeouts

  Examples
    $ agproxy --simulate
    $ ANTHROPIC_BASE_URL=http://127.0.0.1:8080 claude
    $ curl -N localhost:8080/v1/messages -H 'content-type: application/json' \\
        -d '{"model":"claude-sonnet-4-6","max_tokens":200,"stream":true,"messages":[{"role":"user","content":"hi"}]}'
    $ agproxy accounts add --no-browser
    $ agproxy simulator --port 8090
`,
	{
		importMeta: import.meta,
		allowUnknownFlags: false,
		flags: {
			port: {type: 'number', shortFlag: 'p'},
			host: {type: 'string'},
			daemon: {type: 'boolean', default: false},
			simulate: {type: 'boolean', default: false},
			upstream: {type: 'string'},
			modelMap: {type: 'string'},
			dataDir: {type: 'string'},
			strategy: {type: 'string'},
			json: {type: 'boolean'},
			browser: {type: 'boolean', default: true},
			callbackPort: {type: 'number'},
			refreshToken: {type: 'string'},
			email: {type: 'string'},
			admin: {type: 'boolean'},
			order: {type: 'number'},
			weight: {type: 'number'},
			user: {type: 'string'},
			allowOpen: {type: 'boolean', default: false},
		},
	},
);

function die(message: string): never {
	process.stderr.write(`agproxy: ${message}\n`);
	process.exit(2);
}

async function main(): Promise<void> {
	const [command = 'start', ...rest] = cli.input;
	const flags = cli.flags;
	if (command === 'accounts') {
		const config = loadConfig({upstream: flags.upstream, dataDir: flags.dataDir});
		const io = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env};
		process.exitCode = await runAccounts(rest, {json: flags.json, browser: flags.browser, callbackPort: flags.callbackPort, refreshToken: flags.refreshToken, email: flags.email}, io, {dataDir: config.dataDir, config});
		return;
	}
	if (command === 'users' || command === 'groups') {
		// Not loadConfig: --strategy here is a group strategy, not the account strategy.
		const dataDir = resolveDataDir(flags.dataDir);
		const io = {stdout: process.stdout, stderr: process.stderr};
		process.exitCode =
			command === 'users'
				? await runUsers(rest, {json: flags.json, admin: flags.admin}, io, {dataDir})
				: await runGroups(rest, {json: flags.json, strategy: flags.strategy, order: flags.order, weight: flags.weight, user: flags.user}, io, {dataDir});
		return;
	}
	if (command === 'settings') {
		process.exitCode = runSettings(rest, resolveDataDir(flags.dataDir), {stdout: process.stdout, stderr: process.stderr});
		return;
	}
	if (rest.length > 0) die(`unexpected argument '${rest[0]}' (see agproxy --help)`);
	if (cli.flags.port !== undefined && (!Number.isInteger(cli.flags.port) || cli.flags.port < 0 || cli.flags.port > 65_535)) {
		die(`invalid --port ${String(cli.flags.port)}: expected 0-65535`);
	}
	switch (command) {
		case 'start': {
			const {settings, problems} = new SettingsFile(resolveDataDir(flags.dataDir)).read();
			for (const problem of problems) process.stderr.write(`agproxy: ${problem}\n`);
			const config = loadConfig({host: flags.host, port: flags.port, upstream: flags.upstream, modelMap: flags.modelMap, dataDir: flags.dataDir, strategy: flags.strategy, allowOpen: flags.allowOpen}, process.env, settings);
			await runServer(config, {simulate: flags.simulate, daemon: flags.daemon});
			return;
		}
		case 'simulator':
			await runSimulator({port: cli.flags.port ?? 8090, host: cli.flags.host ?? '127.0.0.1'});
			return;
		default:
			die(`unknown command '${command}' (see agproxy --help)`);
	}
}

main().catch((error: unknown) => {
	if (error instanceof ConfigError) die(error.message);
	const code = (error as NodeJS.ErrnoException).code;
	if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') die((error as Error).message);
	process.stderr.write(`agproxy: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
