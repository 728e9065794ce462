// `agproxy groups …`: model groups (an alias served by one of its member models). create, add, remove, move, weight,
// list, delete, strategy, test. Runs through the running server's admin API when there is one, else on the data directory
// (cli/target.ts); `test` needs the running server. Returns the exit code: 0 done, 1 the operation failed, 2 bad usage.
import type {GroupView} from '../actions/groups.js';
import {InvalidError} from '../actions/errors.js';
import {GROUP_STRATEGIES, type GroupTestResult} from '../actions/groups.js';
import type {GroupStrategy} from '../store/types.js';
import {type CliIo, type Say, type TargetOptions, UsageError, exitCodeOf, findServer, messageOf, positionals, refuseStray, sayer, table, withTarget} from './target.js';

/** meow flags: json, strategy, order, weight, user. */
export type GroupsFlags = {
	json?: boolean | undefined;
	strategy?: string | undefined;
	order?: number | undefined;
	weight?: number | undefined;
	user?: string | undefined;
};

export type GroupsContext = {dataDir: string; target?: TargetOptions};

const COMMANDS = ['create', 'add', 'remove', 'move', 'weight', 'list', 'delete', 'strategy', 'test'] as const;
type Command = (typeof COMMANDS)[number];

/** Positional arguments and the flags each command takes. */
const SYNTAX: Record<Command, {args: readonly string[]; flags: readonly string[]}> = {
	create: {args: ['<alias>'], flags: ['--strategy', '--user']},
	add: {args: ['<alias>', '<model>'], flags: ['--order', '--weight', '--user']},
	remove: {args: ['<alias>', '<model>'], flags: ['--user']},
	move: {args: ['<alias>', '<model>', '<order>'], flags: ['--user']},
	weight: {args: ['<alias>', '<model>', '<weight>'], flags: ['--user']},
	list: {args: [], flags: ['--json', '--user']},
	delete: {args: ['<alias>'], flags: ['--user']},
	strategy: {args: ['<alias>', 'priority|random'], flags: ['--user']},
	test: {args: ['<alias>'], flags: ['--user']},
};

function isCommand(value: string): value is Command {
	return (COMMANDS as readonly string[]).includes(value);
}

function parseStrategy(value: string, what: string): GroupStrategy {
	if (!(GROUP_STRATEGIES as readonly string[]).includes(value)) throw new UsageError(`invalid ${what} '${value}': expected ${GROUP_STRATEGIES.join(' or ')}`);
	return value as GroupStrategy;
}

function parseOrder(value: number | string, what: string): number {
	const order = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
	if (!Number.isInteger(order) || order < 1 || order > 1000) throw new UsageError(`invalid ${what} ${String(value)}: expected a position from 1`);
	return order;
}

/** A weight argument: a positive number (the action checks the upper bound). */
function parseWeight(value: string): number {
	const weight = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
	if (!Number.isFinite(weight) || weight <= 0) throw new UsageError(`invalid <weight> ${value}: expected a number above 0`);
	return weight;
}

type Parsed = {command: Command; positional: string[]; owner?: string};

function parse(args: string[], flags: GroupsFlags): Parsed {
	const [command, ...rest] = args;
	if (command === undefined) throw new UsageError(`missing groups command (one of: ${COMMANDS.join(', ')})`);
	if (!isCommand(command)) throw new UsageError(`unknown groups command '${command}' (one of: ${COMMANDS.join(', ')})`);
	const syntax = SYNTAX[command];
	const positional = positionals(`groups ${command}`, rest, syntax.args);
	refuseStray(
		`groups ${command}`,
		{
			'--json': flags.json === true,
			'--strategy': flags.strategy !== undefined,
			'--order': flags.order !== undefined,
			'--weight': flags.weight !== undefined,
			'--user': flags.user !== undefined,
		},
		syntax.flags,
	);
	if (command === 'create' && flags.strategy === undefined) throw new UsageError('missing --strategy priority|random: agproxy groups create <alias> --strategy priority|random');
	if (flags.strategy !== undefined) parseStrategy(flags.strategy, '--strategy');
	if (flags.order !== undefined) parseOrder(flags.order, '--order');
	if (flags.weight !== undefined && (!Number.isFinite(flags.weight) || flags.weight <= 0)) throw new UsageError(`invalid --weight ${String(flags.weight)}: expected a number above 0`);
	if (flags.user !== undefined && flags.user.trim() === '') throw new UsageError('--user is empty');
	if (command === 'strategy') parseStrategy(positional[1] ?? '', 'strategy');
	if (command === 'move') parseOrder(positional[2] ?? '', '<order>');
	if (command === 'weight') parseWeight(positional[2] ?? '');
	return {command, positional, ...(flags.user === undefined ? {} : {owner: flags.user})};
}

function memberList(group: GroupView): string {
	if (group.members.length === 0) return '(no members)';
	return group.members
		.map(member => {
			const notes = [group.strategy === 'random' ? `weight ${member.weight}` : undefined, member.served ? undefined : 'not served'].filter(note => note !== undefined);
			return `${member.order}. ${member.model}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
		})
		.join(', ');
}

function label(group: {alias: string; owner?: string | undefined}): string {
	return group.owner === undefined ? group.alias : `${group.alias} (user ${group.owner})`;
}

function show(say: Say, group: GroupView): void {
	say(`${label(group)}, ${group.strategy}: ${memberList(group)}`);
}

function listGroups(say: Say, groups: GroupView[], json: boolean): void {
	if (json) {
		say(JSON.stringify(groups, null, 2));
		return;
	}
	if (groups.length === 0) {
		say('No groups yet. Create one with: agproxy groups create <alias> --strategy priority|random');
		return;
	}
	const rows = [['ALIAS', 'USER', 'STRATEGY', 'MEMBERS'], ...groups.map(group => [group.alias, group.owner ?? '-', group.strategy, memberList(group)])];
	for (const line of table(rows)) say(line);
}

function showTest(say: Say, fail: Say, result: GroupTestResult): number {
	if (result.ok) {
		const text = result.text.replace(/\s+/g, ' ').trim();
		say(`${label(result)}: answered by ${result.model} in ${result.latencyMs} ms${text === '' ? '' : `: ${JSON.stringify(text.length > 120 ? `${text.slice(0, 119)}…` : text)}`}`);
		return 0;
	}
	fail(`${label(result)}: no member answered (${result.latencyMs} ms): ${result.error}`);
	return 1;
}

export async function runGroups(args: string[], flags: GroupsFlags, io: CliIo, context: GroupsContext): Promise<number> {
	const {say, fail} = sayer(io);
	let parsed: Parsed;
	try {
		parsed = parse(args, flags);
	} catch (error) {
		fail(messageOf(error));
		return exitCodeOf(error);
	}
	const [alias = '', second = '', third = ''] = parsed.positional;
	const owner = parsed.owner === undefined ? {} : {owner: parsed.owner};
	try {
		if (parsed.command === 'test') {
			const server = await findServer(context.dataDir, context.target ?? {});
			if (server === undefined) {
				fail(`groups test sends a request through the running agproxy, and none is running for ${context.dataDir}: start it (agproxy start), then run this again`);
				return 1;
			}
			try {
				return showTest(say, fail, await server.client.call('groups.test', {alias, ...owner}));
			} finally {
				await server.client.close();
			}
		}
		return await withTarget(context.dataDir, context.target ?? {}, async target => {
			switch (parsed.command) {
				case 'create': {
					const group = await target.call('groups.create', {alias, strategy: parseStrategy(flags.strategy ?? '', '--strategy'), ...owner});
					say(`Created group ${label(group)} (${group.strategy}). Add models with: agproxy groups add ${alias} <model>${parsed.owner === undefined ? '' : ` --user ${parsed.owner}`}`);
					return 0;
				}
				case 'add': {
					const group = await target
						.call('groups.addMember', {
							alias,
							model: second,
							...(flags.order === undefined ? {} : {order: flags.order}),
							...(flags.weight === undefined ? {} : {weight: flags.weight}),
							...owner,
						})
						.catch((error: unknown) => {
							if (target.kind === 'local' && error instanceof InvalidError && error.message.startsWith('unknown model')) {
								throw new InvalidError(`${error.message}. agproxy is not running, so this was checked against its built-in model list; start agproxy to check against the models your accounts offer`);
							}
							throw error;
						});
					say(`Added ${second} to ${label(group)}.`);
					show(say, group);
					return 0;
				}
				case 'remove': {
					const group = await target.call('groups.removeMember', {alias, model: second, ...owner});
					say(`Removed ${second} from ${label(group)}.`);
					show(say, group);
					return 0;
				}
				case 'move': {
					const group = await target.call('groups.moveMember', {alias, model: second, order: parseOrder(third, '<order>'), ...owner});
					show(say, group);
					return 0;
				}
				case 'weight': {
					const group = await target.call('groups.setWeight', {alias, model: second, weight: parseWeight(third), ...owner});
					show(say, group);
					return 0;
				}
				case 'list':
					listGroups(say, await target.call('groups.list', {...owner}), flags.json === true);
					return 0;
				case 'delete': {
					await target.call('groups.remove', {alias, ...owner});
					say(`Deleted group ${label({alias, ...owner})}.`);
					return 0;
				}
				case 'strategy': {
					const group = await target.call('groups.setStrategy', {alias, strategy: parseStrategy(second, 'strategy'), ...owner});
					show(say, group);
					return 0;
				}
				case 'test':
					return 1;
			}
		});
	} catch (error) {
		fail(messageOf(error));
		return exitCodeOf(error);
	}
}
