#!/usr/bin/env node
// agproxy's command line. Bad arguments end in one clear line on stderr and a non-zero exit, never a stack trace.
import meow from 'meow';
import {ConfigError, loadConfig} from './source/config.js';
import {runServer} from './source/cli/serve.js';
import {runSimulator} from './source/cli/simulator.js';

const cli = meow(
	`
  Usage
    $ agproxy [start] [options]        Serve the Anthropic Messages API over Cloud Code
    $ agproxy simulator [options]      Run the Cloud Code simulator on its own

  Options
    --port, -p       Port to listen on (default 8080, env PORT; simulator: 8090)
    --host           Address to bind (default 127.0.0.1, env HOST)
    --daemon         Headless: JSON log lines on stdout, no dashboard
    --simulate       Run against a built-in Cloud Code simulator with demo accounts (no Google account needed)
    --upstream       Comma-separated Cloud Code base URLs (env AGPROXY_UPSTREAM)
    --model-map      Extra model rules, glob=model,... tried before the defaults (env AGPROXY_MODEL_MAP)
    --version        Print the version
    --help           Print this help

  Environment
    AGPROXY_ACCESS_TOKEN, AGPROXY_PROJECT   A Cloud Code access token and project (single-account mode)
    AGPROXY_API_KEY                         Require this key from clients (x-api-key or Bearer) on /v1/*
    AGPROXY_BODY_LIMIT_BYTES                Largest accepted request body (default 32 MiB)
    AGPROXY_CONNECT_TIMEOUT_MS, AGPROXY_FIRST_BYTE_TIMEOUT_MS, AGPROXY_IDLE_TIMEOUT_MS   Upstream timeouts

  Examples
    $ agproxy --simulate
    $ ANTHROPIC_BASE_URL=http://127.0.0.1:8080 claude
    $ curl -N localhost:8080/v1/messages -H 'content-type: application/json' \\
        -d '{"model":"claude-sonnet-4-6","max_tokens":200,"stream":true,"messages":[{"role":"user","content":"hi"}]}'
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
		},
	},
);

function die(message: string): never {
	process.stderr.write(`agproxy: ${message}\n`);
	process.exit(2);
}

async function main(): Promise<void> {
	const [command = 'start', ...rest] = cli.input;
	if (rest.length > 0) die(`unexpected argument '${rest[0]}' (see agproxy --help)`);
	if (cli.flags.port !== undefined && (!Number.isInteger(cli.flags.port) || cli.flags.port < 0 || cli.flags.port > 65_535)) {
		die(`invalid --port ${String(cli.flags.port)}: expected 0-65535`);
	}
	switch (command) {
		case 'start': {
			const config = loadConfig({host: cli.flags.host, port: cli.flags.port, upstream: cli.flags.upstream, modelMap: cli.flags.modelMap});
			await runServer(config, {simulate: cli.flags.simulate});
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
