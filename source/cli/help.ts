// Help texts: `agproxy --help` (everything), `agproxy <command> --help` and `agproxy <command> <sub> --help` (that
// command only). Printing help never starts, binds, opens or creates anything.

const DATA_DIR = '--data-dir <dir>   Where agproxy keeps its data (env AGPROXY_DATA_DIR; default the user data directory)';

export const MAIN_HELP = `
  Usage
    $ agproxy [start] [options]        Serve the Anthropic Messages API over Cloud Code
    $ agproxy accounts <command>       Manage the Google accounts agproxy uses
    $ agproxy users <command>          API keys for the people and tools that use agproxy
    $ agproxy groups <command>         Model groups: virtual model names that fail over across real models
    $ agproxy settings [list|get|set|unset] [key] [value]   Persistent settings (port, host, strategy, …)
    $ agproxy dashboard [--data-dir D] The dashboard of an agproxy already running on D (alias: agproxy --attach)
    $ agproxy simulator [options]      Run the Cloud Code simulator on its own
    $ agproxy <command> [<sub>] --help Help for one command

  Accounts
    accounts add [--no-browser] [--callback-port N]     Sign in with Google (opens the browser when it can)
    accounts add --refresh-token <token> [--email <e>]  Add an account from a refresh token (remote machines)
    accounts list [--json]                              Accounts with project, tier and state
    accounts verify                                     Refresh, find the project and read quotas for each account
    accounts remove|enable|disable <email>
    accounts set-client <email> <version|default>       The Antigravity client version this account presents

  Users (when at least one exists, every request needs a key: x-api-key or Authorization: Bearer)
    users create <name> [--admin]      Prints the new key once (sk-agp-…)
    users list [--json]                Key prefix, admin, created, last used, usage today and in total
    users rotate <name>                New key shown once; the old one stops working at once
    users delete|disable|enable <name>

  Groups (a request for the alias tries the members in turn: rate-limited, exhausted or failing ones are skipped)
    groups create <alias> --strategy priority|random [--user <name>]
    groups add <alias> <model> [--order N] [--weight W] [--user <name>]
    groups remove <alias> <model> [--user]     groups move <alias> <model> <order> [--user]
    groups weight <alias> <model> <weight> [--user]   Sets a member's weight (used by random)
    groups strategy <alias> priority|random    groups list [--json]    groups delete <alias> [--user]
    groups test <alias> [--user]               Sends a tiny request through the group, says which member answered

  Options
    --port, -p       Port to listen on (default 8080, env PORT; simulator: 8090)
    --host           Address to bind (default 127.0.0.1, env HOST)
    --daemon         Headless: JSON log lines on stdout, no dashboard
    --data-dir       Where accounts and data live (env AGPROXY_DATA_DIR; default the user data directory)
    --strategy       Account choice: sticky (default), round-robin, quota-aware (env AGPROXY_STRATEGY)
    --allow-open     Serve without keys on a non-loopback address even when no user exists
    --simulate       Google replaced by a built-in Cloud Code simulator with demo accounts (kept in memory);
                     users, groups, usage and settings still live in the data directory
    --upstream       Comma-separated Cloud Code base URLs (env AGPROXY_UPSTREAM)
    --model-map      Extra model rules, glob=model,... tried before the defaults (env AGPROXY_MODEL_MAP)
    --attach         Same as: agproxy dashboard
    --version        Print the version
    --help, -h       Print this help (after a command: that command's help)

  Environment
    AGPROXY_ACCESS_TOKEN, AGPROXY_PROJECT   A Cloud Code access token and project (single-token mode, no accounts)
    AGPROXY_OAUTH_AUTH_URL, AGPROXY_OAUTH_TOKEN_URL, AGPROXY_USERINFO_URL, AGPROXY_OAUTH_CLIENT_ID,
    AGPROXY_OAUTH_CLIENT_SECRET             Google OAuth endpoints and client (defaults: Google, the Antigravity client)
    AGPROXY_MAX_WAIT_MS, AGPROXY_ACCOUNT_CONCURRENCY, AGPROXY_QUOTA_THRESHOLD, AGPROXY_QUOTA_REFRESH_MS   Pool tuning
    AGPROXY_API_KEY                         Require this key from clients (x-api-key or Bearer) on /v1/*
    AGPROXY_BODY_LIMIT_BYTES                Largest accepted request body (default 32 MiB)
    AGPROXY_CONNECT_TIMEOUT_MS, AGPROXY_FIRST_BYTE_TIMEOUT_MS, AGPROXY_IDLE_TIMEOUT_MS   Upstream timeouts
    AGPROXY_DEBUG=1                         Stack traces with error messages

  Examples
    $ agproxy --simulate
    $ ANTHROPIC_BASE_URL=http://127.0.0.1:8080 claude
    $ curl -N localhost:8080/v1/messages -H 'content-type: application/json' \\
        -d '{"model":"claude-sonnet-4-6","max_tokens":200,"stream":true,"messages":[{"role":"user","content":"hi"}]}'
    $ agproxy accounts add --no-browser
    $ agproxy simulator --port 8090
`;

const START_HELP = `
  Usage
    $ agproxy [start] [options]

  Serves the Anthropic Messages API (POST /v1/messages) over Google's Cloud Code API with the stored accounts, with
  the dashboard in a terminal, or JSON log lines with --daemon (or when stdout is not a terminal).

  Options
    --port, -p <n>      Port to listen on, 0-65535 (default 8080, env PORT, setting port; 0 = any free port)
    --host <addr>       Address to bind (default 127.0.0.1, env HOST)
    --daemon            Headless: JSON log lines on stdout, no dashboard
    ${DATA_DIR}
    --strategy <s>      Account choice: sticky (default), round-robin, quota-aware (env AGPROXY_STRATEGY)
    --allow-open        Serve without keys on a non-loopback address even when no user exists
    --simulate          Google replaced by a built-in simulator with demo accounts (kept in memory only); users,
                        groups, usage and the server's address (server.json) still live in the data directory, so
                        agproxy users/groups/accounts commands with the same --data-dir reach this server
    --upstream <urls>   Comma-separated Cloud Code base URLs (env AGPROXY_UPSTREAM)
    --model-map <rules> Extra model rules, glob=model,... tried before the defaults (env AGPROXY_MODEL_MAP)
`;

type Help = {summary: string; subcommands?: Record<string, string>};

const HELP: Record<string, Help> = {
	start: {summary: START_HELP},
	accounts: {
		summary: `
  Usage
    $ agproxy accounts <command> [options]

  Commands
    add                  Sign in with Google in the browser (or paste the address it ends on)
    add --refresh-token  Add an account from an existing refresh token (remote machines)
    list [--json]        Accounts with project, tier and state
    verify               Refresh, find the project and read quotas for each account
    remove <email>       Forget an account
    enable <email>       Use it again        disable <email>   Stop using it (kept)
    set-client <email> <version|default>   The client version this account presents to Google

  Changes go through the running agproxy of the data directory when there is one (its pool sees them at once).

  Options
    ${DATA_DIR}
    --upstream <urls>    Cloud Code base URLs used to find the account's project (env AGPROXY_UPSTREAM)
`,
		subcommands: {
			add: `
  Usage
    $ agproxy accounts add [--no-browser] [--callback-port N]
    $ agproxy accounts add --refresh-token <token> [--email <e>]

  Without --refresh-token: a Google sign-in. The sign-in address is printed and opened in the browser; the page
  Google ends on comes back to a local callback port, or can be pasted into the terminal (--no-browser, remote).
  With --refresh-token: the token is refreshed at Google and the account's e-mail is read from Google (userinfo);
  --email is only a check (a different e-mail is an error). An account Google already knows under a stored e-mail
  is updated (new token), never added twice.

  Options
    --no-browser          Do not open a browser; print the address and wait for the pasted result
    --callback-port <n>   Local port for Google's redirect (default 51121; 0 = any free port)
    --refresh-token <t>   A Google OAuth refresh token for the Antigravity client
    --email <e>           The e-mail the token must belong to
    ${DATA_DIR}
`,
			list: `
  Usage
    $ agproxy accounts list [--json] [--data-dir <dir>]

  Each account's e-mail, project, tier, whether it is enabled and its state (never a token).
    --json   Machine-readable output
`,
			verify: `
  Usage
    $ agproxy accounts verify [--data-dir <dir>]

  Refreshes each account's token, finds its project and reads its models; exit 1 when any account fails.
`,
			remove: `
  Usage
    $ agproxy accounts remove <email> [--data-dir <dir>]

  Forgets the account and its refresh token.
`,
			enable: `
  Usage
    $ agproxy accounts enable <email> [--data-dir <dir>]

  Lets agproxy use a disabled account again.
`,
			disable: `
  Usage
    $ agproxy accounts disable <email> [--data-dir <dir>]

  Keeps the account but stops using it until: agproxy accounts enable <email>
`,
			'set-client': `
  Usage
    $ agproxy accounts set-client <email> <version|default> [--data-dir <dir>]

  The Antigravity client version this account presents to Google instead of the clientVersion setting
  (agproxy settings set clientVersion <version>); 'default' goes back to the setting. Google refuses outdated
  versions ("This version of Antigravity is no longer supported"); the account is usable again at once.
`,
		},
	},
	users: {
		summary: `
  Usage
    $ agproxy users <command> [options]

  Commands
    create <name> [--admin]   A new user; prints their API key once (sk-agp-…)
    list [--json]             Key prefix, admin, created, last used, usage today and in total
    rotate <name>             A new key, shown once; the old one stops working at once
    disable <name>            Refuse their key        enable <name>   Accept it again
    delete <name>             Remove the user and their groups

  When at least one user exists, every request needs a key (x-api-key or Authorization: Bearer).
  Changes go through the running agproxy of the data directory when there is one.

  Options
    ${DATA_DIR}
`,
		subcommands: {
			create: `
  Usage
    $ agproxy users create <name> [--admin] [--data-dir <dir>]

  Creates the user and prints their API key once (agproxy keeps only its hash).
    --admin   The user may also call the admin API
`,
			list: `
  Usage
    $ agproxy users list [--json] [--data-dir <dir>]

  Users with key prefix, admin, disabled, created, last used and usage.
    --json   Machine-readable output
`,
			rotate: `
  Usage
    $ agproxy users rotate <name> [--data-dir <dir>]

  Prints a new key once; the old key stops working at once.
`,
			delete: `
  Usage
    $ agproxy users delete <name> [--data-dir <dir>]

  Removes the user and their groups (their usage stays in the totals).
`,
			disable: `
  Usage
    $ agproxy users disable <name> [--data-dir <dir>]

  Refuses the user's key until: agproxy users enable <name>
`,
			enable: `
  Usage
    $ agproxy users enable <name> [--data-dir <dir>]

  Accepts a disabled user's key again.
`,
		},
	},
	groups: {
		summary: `
  Usage
    $ agproxy groups <command> [options]

  A group is a virtual model name (alias): a request for it tries its member models in turn (priority) or by
  weight (random); rate-limited, exhausted or failing members are skipped. --user <name> makes a group that only
  that user sees (it hides a global group of the same alias for them).

  Commands
    create <alias> --strategy priority|random [--user <name>]
    add <alias> <model> [--order N] [--weight W] [--user <name>]
    remove <alias> <model> [--user <name>]
    move <alias> <model> <order> [--user <name>]
    strategy <alias> priority|random [--user <name>]
    list [--json] [--user <name>]
    delete <alias> [--user <name>]
    test <alias> [--user <name>]     Sends a tiny request through the running agproxy

  Options
    ${DATA_DIR}
`,
		subcommands: {
			create: `
  Usage
    $ agproxy groups create <alias> --strategy priority|random [--user <name>]

    --strategy   priority: members in order; random: by weight
    --user       A group only this user sees
`,
			add: `
  Usage
    $ agproxy groups add <alias> <model> [--order N] [--weight W] [--user <name>]

    --order N    Position from 1 (default: last)
    --weight W   Relative weight above 0 for the random strategy (default 1)
    --user       The user's own group
`,
			remove: `
  Usage
    $ agproxy groups remove <alias> <model> [--user <name>]
`,
			move: `
  Usage
    $ agproxy groups move <alias> <model> <order> [--user <name>]

  Moves the member to a position from 1.
`,
			strategy: `
  Usage
    $ agproxy groups strategy <alias> priority|random [--user <name>]
`,
			weight: `
  Usage
    $ agproxy groups weight <alias> <model> <weight> [--user <name>]

  Sets a member's relative weight (a number above 0), used by the random strategy.
`,
			list: `
  Usage
    $ agproxy groups list [--json] [--user <name>]

  Every group (or only the user's) with strategy and members.
`,
			delete: `
  Usage
    $ agproxy groups delete <alias> [--user <name>]
`,
			test: `
  Usage
    $ agproxy groups test <alias> [--user <name>]

  Sends a tiny request through the running agproxy's group and says which member answered (exit 1 if none).
`,
		},
	},
	settings: {
		summary: `
  Usage
    $ agproxy settings [list]              Every setting with its value
    $ agproxy settings get <key>
    $ agproxy settings set <key> <value>   Takes effect at the next start
    $ agproxy settings unset <key>

  Settings live in <data-dir>/settings.json; flags and environment variables override them.
  Keys: port, host, strategy, modelMap, maxWaitMs, accountConcurrency, quotaThreshold.

  Options
    ${DATA_DIR}
`,
	},
	dashboard: {
		summary: `
  Usage
    $ agproxy dashboard [--data-dir <dir>]
    $ agproxy --attach [--data-dir <dir>]

  The full-screen dashboard of the agproxy already running on the data directory (e.g. a --daemon under systemd or
  tmux), through its admin API. q detaches; the server keeps running. Needs a terminal.

  Options
    ${DATA_DIR}
`,
	},
	simulator: {
		summary: `
  Usage
    $ agproxy simulator [--port N] [--host <addr>]

  Google's Cloud Code API and OAuth endpoints, simulated, with demo accounts: for manual testing and benchmarks.
  Prints one JSON line with its URL and OAuth endpoints, runs until Ctrl-C.

  Options
    --port, -p <n>   Port to listen on (default 8090; 0 = any free port)
    --host <addr>    Address to bind (default 127.0.0.1)
`,
	},
};

/** The help for `agproxy <command> [<sub>]`: the most specific text there is. */
export function helpFor(command: string | undefined, sub: string | undefined): string {
	if (command === undefined) return MAIN_HELP;
	const help = HELP[command];
	if (help === undefined) return MAIN_HELP;
	return (sub === undefined ? undefined : help.subcommands?.[sub]) ?? help.summary;
}
