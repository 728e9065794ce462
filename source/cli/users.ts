// `agproxy users …`: create (prints the key once), list, rotate, delete, disable, enable. Runs through the running
// server's admin API when there is one, else on the data directory (cli/target.ts).
// Returns the exit code: 0 done, 1 the operation failed, 2 bad usage.
import type {UsageTotals} from '../actions/usage.js';
import type {UserView, UserWithKey} from '../actions/users.js';
import {type CliIo, type Say, type TargetOptions, UsageError, compact, exitCodeOf, messageOf, positionals, refuseStray, sayer, table, withTarget} from './target.js';

/** meow flags: json, admin. */
export type UsersFlags = {json?: boolean | undefined; admin?: boolean | undefined};

export type UsersContext = {dataDir: string; target?: TargetOptions};

const COMMANDS = ['create', 'list', 'rotate', 'delete', 'disable', 'enable'] as const;
type Command = (typeof COMMANDS)[number];

function isCommand(value: string): value is Command {
	return (COMMANDS as readonly string[]).includes(value);
}

type Parsed = {command: Command; name?: string};

function parse(args: string[], flags: UsersFlags): Parsed {
	const [command, ...rest] = args;
	if (command === undefined) throw new UsageError(`missing users command (one of: ${COMMANDS.join(', ')})`);
	if (!isCommand(command)) throw new UsageError(`unknown users command '${command}' (one of: ${COMMANDS.join(', ')})`);
	const given = {'--json': flags.json === true, '--admin': flags.admin !== undefined};
	if (command === 'list') {
		positionals('users list', rest, []);
		refuseStray('users list', given, ['--json']);
		return {command};
	}
	const [name] = positionals(`users ${command}`, rest, ['<name>']);
	refuseStray(`users ${command}`, given, command === 'create' ? ['--admin'] : []);
	return {command, name};
}

function showKey(say: Say, result: UserWithKey, rotated: boolean): void {
	const {user, key} = result;
	if (rotated) say(`New API key for ${user.name}; the old key no longer works.`);
	else say(`Created ${user.admin ? 'admin user' : 'user'} ${user.name}.`);
	say('');
	say(`  ${key}`);
	say('');
	say('This key is shown only now: agproxy keeps only its hash and cannot show it again (rotate it if it is lost).');
	say('Clients send it as x-api-key or Authorization: Bearer, e.g. ANTHROPIC_API_KEY=<key> claude');
}

function usageCell(totals: UsageTotals): string {
	if (totals.requests === 0) return '-';
	return `${totals.requests} req, ${compact(totals.inputTokens)} in, ${compact(totals.outputTokens)} out${totals.errors > 0 ? `, ${totals.errors} err` : ''}`;
}

function listUsers(say: Say, users: UserView[], json: boolean): void {
	if (json) {
		say(JSON.stringify(users, null, 2));
		return;
	}
	if (users.length === 0) {
		say('No users yet: agproxy serves without keys (loopback only). Create one with: agproxy users create <name>');
		return;
	}
	const rows = [
		['NAME', 'KEY', 'ADMIN', 'DISABLED', 'CREATED', 'LAST USED (UTC)', 'TODAY', 'TOTAL'],
		...users.map(user => [
			user.name,
			`${user.keyPrefix}…`,
			user.admin ? 'yes' : 'no',
			user.disabled ? 'yes' : 'no',
			user.createdAt.slice(0, 10),
			user.lastUsedAt === undefined ? 'never' : user.lastUsedAt.slice(0, 16).replace('T', ' '),
			usageCell(user.usage.today),
			usageCell(user.usage.total),
		]),
	];
	for (const line of table(rows)) say(line);
}

export async function runUsers(args: string[], flags: UsersFlags, io: CliIo, context: UsersContext): Promise<number> {
	const {say, fail} = sayer(io);
	let parsed: Parsed;
	try {
		parsed = parse(args, flags);
	} catch (error) {
		fail(messageOf(error));
		return exitCodeOf(error);
	}
	const name = parsed.name ?? '';
	try {
		return await withTarget(context.dataDir, context.target ?? {}, async target => {
			switch (parsed.command) {
				case 'create':
					showKey(say, await target.call('users.create', {name, admin: flags.admin === true}), false);
					return 0;
				case 'list':
					listUsers(say, await target.call('users.list', {}), flags.json === true);
					return 0;
				case 'rotate':
					showKey(say, await target.call('users.rotate', {name}), true);
					return 0;
				case 'delete':
					await target.call('users.remove', {name});
					say(`Deleted user ${name} and their groups (their usage stays in the totals).`);
					return 0;
				case 'disable':
					await target.call('users.setDisabled', {name, disabled: true});
					say(`Disabled ${name}: their key is refused until: agproxy users enable ${name}`);
					return 0;
				case 'enable':
					await target.call('users.setDisabled', {name, disabled: false});
					say(`Enabled ${name}.`);
					return 0;
			}
		});
	} catch (error) {
		fail(messageOf(error));
		return exitCodeOf(error);
	}
}
