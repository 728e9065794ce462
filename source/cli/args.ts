// The command line's flags: one table of every flag, which commands take it, and checks that echo what the user
// typed. Flags have no defaults at the parser (meow's booleanDefault is off), so a flag the user did not type is
// `undefined` and "given" always means typed; each command applies its own defaults where it uses the value.
import {UsageError} from './usage-error.js';

export const COMMANDS = ['start', 'accounts', 'users', 'groups', 'settings', 'dashboard', 'simulator'] as const;
export type CommandName = (typeof COMMANDS)[number];

type FlagSpec = {type: 'string' | 'boolean'; shortFlag?: string; commands: readonly CommandName[]};

const ALL: readonly CommandName[] = COMMANDS;

/** Every flag. Numbers are read as strings and checked here, so a bad value is echoed as typed (not `NaN`). */
export const FLAGS = {
	help: {type: 'boolean', shortFlag: 'h', commands: ALL},
	version: {type: 'boolean', commands: ALL},
	attach: {type: 'boolean', commands: ['dashboard']},
	port: {type: 'string', shortFlag: 'p', commands: ['start', 'simulator']},
	host: {type: 'string', commands: ['start', 'simulator']},
	daemon: {type: 'boolean', commands: ['start']},
	simulate: {type: 'boolean', commands: ['start']},
	upstream: {type: 'string', commands: ['start', 'accounts']},
	modelMap: {type: 'string', commands: ['start']},
	dataDir: {type: 'string', commands: ['start', 'accounts', 'users', 'groups', 'settings', 'dashboard']},
	strategy: {type: 'string', commands: ['start', 'groups']},
	allowOpen: {type: 'boolean', commands: ['start']},
	json: {type: 'boolean', commands: ['accounts', 'users', 'groups']},
	browser: {type: 'boolean', commands: ['accounts']},
	callbackPort: {type: 'string', commands: ['accounts']},
	refreshToken: {type: 'string', commands: ['accounts']},
	email: {type: 'string', commands: ['accounts']},
	admin: {type: 'boolean', commands: ['users']},
	order: {type: 'string', commands: ['groups']},
	weight: {type: 'string', commands: ['groups']},
	user: {type: 'string', commands: ['groups']},
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** What meow returns for FLAGS: each flag its type, or undefined when not typed. */
export type Flags = {[K in FlagName]?: (typeof FLAGS)[K]['type'] extends 'boolean' ? boolean : string};

/** meow's flag options (without our `commands`). */
export function meowFlags(): Record<string, {type: 'string' | 'boolean'; shortFlag?: string}> {
	return Object.fromEntries(
		Object.entries(FLAGS).map(([name, spec]: [string, FlagSpec]) => [name, {type: spec.type, ...(spec.shortFlag === undefined ? {} : {shortFlag: spec.shortFlag})}]),
	);
}

/** `modelMap` -> `--model-map`; `browser: false` -> `--no-browser`. */
export function spelling(name: string, value?: unknown): string {
	const kebab = name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);
	return value === false ? `--no-${kebab}` : `--${kebab}`;
}

function isFlagName(name: string): name is FlagName {
	return Object.hasOwn(FLAGS, name);
}

/**
 * Flags meow parsed but we do not know (meow runs with allowUnknownFlags so that the message is ours), as typed.
 * `raw` is meow's unnormalizedFlags: kebab-case and camelCase keys of known flags, short flags, and unknown ones.
 */
export function unknownFlags(raw: Record<string, unknown>): string[] {
	const known = new Set<string>();
	for (const [name, spec] of Object.entries(FLAGS) as Array<[string, FlagSpec]>) {
		known.add(name);
		known.add(spelling(name).slice(2));
		if (spec.shortFlag !== undefined) known.add(spec.shortFlag);
	}
	const unknown: string[] = [];
	for (const [key, value] of Object.entries(raw)) {
		if (key === '_' || key === '--' || known.has(key)) continue;
		const camel = key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
		if (known.has(camel)) continue;
		const text = key.length === 1 ? `-${key}` : spelling(camel, value);
		if (!unknown.includes(text)) unknown.push(text);
	}
	return unknown;
}

/** Refuses a typed flag that the command does not take (`--admin` for `start`, `--port` for `users`). */
export function refuseForeignFlags(command: CommandName, flags: Flags): void {
	for (const [name, value] of Object.entries(flags)) {
		if (value === undefined || !isFlagName(name)) continue;
		if (!(FLAGS[name].commands as readonly string[]).includes(command)) {
			throw new UsageError(`${spelling(name, value)} does not apply to 'agproxy ${command}' (see agproxy ${command} --help)`);
		}
	}
}

type NumberRule = {integer: boolean; min: number; max: number; expected: string; minExclusive?: boolean};

/** A numeric flag from its text, echoing the text in the error: `invalid --port 'abc': expected 0-65535`. */
export function numberFlag(name: string, text: string | undefined, rule: NumberRule): number | undefined {
	if (text === undefined) return undefined;
	const trimmed = text.trim();
	const value = trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(trimmed) ? Number.NaN : Number(trimmed);
	const inRange = rule.minExclusive === true ? value > rule.min : value >= rule.min;
	if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || !inRange || value > rule.max) {
		throw new UsageError(`invalid ${name} '${text}': expected ${rule.expected}`);
	}
	return value;
}

export const PORT_RULE: NumberRule = {integer: true, min: 0, max: 65_535, expected: 'a port from 0 to 65535'};
export const ORDER_RULE: NumberRule = {integer: true, min: 1, max: 1000, expected: 'a position from 1 to 1000'};
export const WEIGHT_RULE: NumberRule = {integer: false, min: 0, max: 1_000_000, expected: 'a number above 0', minExclusive: true};
