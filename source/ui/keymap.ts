// Every key the dashboard answers to, in one place: the footer and the help overlay are generated from these tables,
// and the panels use the predicates below so that the help never lies. One meaning per key everywhere: ↑↓ and j/k
// move in every list, d deletes what is selected (a group member or a group), capitals are the rarer acts (R rotate
// a key, J/K reorder members).
import type {Key} from 'ink';
import type {Tone} from './theme.js';

export type PanelId = 'requests' | 'accounts' | 'users' | 'groups';

export const PANELS: ReadonlyArray<{id: PanelId; title: string; digit: string}> = [
	{id: 'requests', title: 'Home', digit: '1'},
	{id: 'accounts', title: 'Accounts', digit: '2'},
	{id: 'users', title: 'Users', digit: '3'},
	{id: 'groups', title: 'Groups', digit: '4'},
];

export type Binding = {keys: string; does: string; /** the footer's label (bindings without one are only in the help) */ short?: string; /** the keys as the footer shows them (default `keys`) */ footerKeys?: string};

export const GLOBAL_BINDINGS: readonly Binding[] = [
	{keys: 'tab / shift+tab', does: 'next / previous panel', short: 'panels', footerKeys: 'tab'},
	{keys: '1-4', does: 'Home (accounts and request log), Accounts, Users, Groups'},
	{keys: '?', does: 'this help', short: 'help'},
	{keys: 'q / ctrl+c', does: 'quit', short: 'quit', footerKeys: 'q'},
	{keys: 'esc', does: 'close a dialog, leave a view, clear the filter'},
];

export const PANEL_BINDINGS: Record<PanelId, readonly Binding[]> = {
	requests: [
		{keys: '↑↓ j/k', does: 'move', short: 'move'},
		{keys: 'g / G', does: 'newest / oldest'},
		{keys: 'enter', does: 'details and upstream attempts', short: 'details'},
		{keys: '/', does: 'filter (type, enter keeps it, esc clears)', short: 'filter'},
		{keys: 'a', does: 'add a Google account (sign in)', short: 'add account'},
		{keys: 'r', does: 'refresh quotas now'},
	],
	accounts: [
		{keys: '↑↓ j/k', does: 'move', short: 'move'},
		{keys: 'a', does: 'add a Google account (sign in)', short: 'add'},
		{keys: 'r', does: 'refresh quotas now', short: 'refresh'},
		{keys: 'e', does: 'enable / disable', short: 'enable/disable'},
		{keys: 'd', does: 'delete (asks first)', short: 'delete'},
	],
	users: [
		{keys: '↑↓ j/k', does: 'move', short: 'move'},
		{keys: 'n', does: 'new user (the key is shown once)', short: 'new'},
		{keys: 'R', does: 'rotate the key (asks first; the new key is shown once)', short: 'rotate key'},
		{keys: 'e', does: 'enable / disable', short: 'enable/disable'},
		{keys: 'd', does: 'delete (asks first)', short: 'delete'},
	],
	groups: [
		{keys: '↑↓ j/k', does: 'move over groups and members', short: 'move'},
		{keys: 'n', does: 'new group (alias, strategy, then owner: global or a user)', short: 'new'},
		{keys: '+', does: 'add a member (pick a model; a random group asks its weight)', short: 'add'},
		{keys: 'w', does: "set the selected member's weight (1-1000, used by random)", short: 'weight'},
		{keys: 'J / K', does: 'move the member down / up', short: 'order', footerKeys: 'J/K'},
		{keys: 's', does: 'switch strategy (priority / random)', short: 'strategy'},
		{keys: 't', does: 'test: which member answers', short: 'test'},
		{keys: 'd / -', does: 'on a member: remove it; on a group: delete the group (asks first)', short: 'delete', footerKeys: 'd'},
	],
};

export const DIALOG_BINDINGS: readonly Binding[] = [
	{keys: 'enter', does: 'confirm / submit'},
	{keys: 'esc', does: 'cancel'},
	{keys: 'y / n', does: 'answer a question'},
	{keys: 'tab / ←→', does: 'switch a choice in a form'},
	{keys: 'c', does: 'copy a shown key (OSC 52, where the terminal allows it)'},
	{keys: 'ctrl+y', does: 'copy the sign-in URL (OSC 52)'},
];

/** The request log's marks and colours: the legend line under the table ([mark, meaning, tone of the mark]). */
export const REQUEST_LEGEND: ReadonlyArray<[string, string, Tone | undefined]> = [
	['~', 'stream', undefined],
	['a→b', 'asked→served', undefined],
	['4xx', 'refused', 'warn'],
	['5xx/ERR', 'failed', 'error'],
	['?', 'more', undefined],
];

/** Every column of the request log, for the help (narrow terminals show fewer: the id, cached, ttft go first). */
export const REQUEST_COLUMN_HELP: readonly Binding[] = [
	{keys: 'TIME', does: 'when the request arrived (local time)'},
	{keys: 'USER', does: "whose key sent it ('-' in open mode)"},
	{keys: 'MODEL a→b', does: 'model asked → served (a group alias or a fallback); one name when the same'},
	{keys: 'CALL', does: 'METHOD /path for a call without a model (GET /v1/models, POST /refresh-token)'},
	{keys: 'ACCOUNT', does: 'the Google account that answered (its local part; enter shows all)'},
	{keys: 'ST', does: 'HTTP status: 4xx yellow (refused, rate-limited), 5xx red, ERR = no answer at all'},
	{keys: 'LAT / TTFT', does: 'total time / time to the first token'},
	{keys: 'IN/OUT CACHED', does: 'input / output tokens, and input tokens read from the cache'},
	{keys: 'S', does: '~ = a streamed (SSE) answer'},
	{keys: 'REQUEST ID', does: 'the request-id header the client got (wide terminals)'},
	{keys: 'red row', does: 'failed: 5xx, no answer, or broken after the answer began'},
	{keys: '/ filter', does: 'matches the text of the columns on screen, nothing hidden'},
];

export const isUp = (input: string, key: Key, vim = true): boolean => key.upArrow || (vim && input === 'k' && !key.ctrl);
export const isDown = (input: string, key: Key, vim = true): boolean => key.downArrow || (vim && input === 'j' && !key.ctrl);
export const isEnter = (input: string, key: Key): boolean => key.return || input === '\r' || input === '\n';
export const isEscape = (_input: string, key: Key): boolean => key.escape;
export const isBackspace = (_input: string, key: Key): boolean => key.backspace || key.delete;
export const isCtrlC = (input: string, key: Key): boolean => key.ctrl && input === 'c';
export const isPageUp = (_input: string, key: Key): boolean => key.pageUp;
export const isPageDown = (_input: string, key: Key): boolean => key.pageDown;

/** Printable text typed or pasted (control characters stripped); '' for keys that are not text. */
export function typedText(input: string, key: Key): string {
	if (key.ctrl || key.meta || key.escape || key.return || key.tab || key.backspace || key.delete) return '';
	if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return '';
	return input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** Applies an editing key to a one-line value: the new value, or undefined when the key is not an edit. */
export function editText(value: string, input: string, key: Key): string | undefined {
	if (isBackspace(input, key)) return [...value].slice(0, -1).join('');
	if (key.ctrl && input === 'u') return '';
	if (key.ctrl && input === 'w') return value.replace(/\S+\s*$/, '');
	const text = typedText(input, key);
	return text === '' ? undefined : value + text;
}

/** The footer's [keys, label] pairs: the panel's own keys, then help and quit (movement and tab are in the help and the tab bar). */
export function footerKeys(panel: PanelId): Array<[string, string]> {
	return [...PANEL_BINDINGS[panel], ...GLOBAL_BINDINGS]
		.filter(binding => binding.short !== undefined && binding.short !== 'move' && binding.short !== 'panels')
		.map(binding => [binding.footerKeys ?? binding.keys, binding.short ?? '']);
}

export const HELP_FOOTER: Array<[string, string]> = [
	['↑↓', 'scroll'],
	['esc / ?', 'close'],
	['q', 'quit'],
];
