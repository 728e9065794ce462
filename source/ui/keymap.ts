// Every key the dashboard answers to, in one place: the footer and the help overlay are generated from these tables,
// and the panels use the predicates below so that the help never lies.
import type {Key} from 'ink';

export type PanelId = 'requests' | 'accounts' | 'users' | 'groups';

export const PANELS: ReadonlyArray<{id: PanelId; title: string; digit: string}> = [
	{id: 'requests', title: 'Requests', digit: '1'},
	{id: 'accounts', title: 'Accounts', digit: '2'},
	{id: 'users', title: 'Users', digit: '3'},
	{id: 'groups', title: 'Groups', digit: '4'},
];

export type Binding = {keys: string; does: string; /** the footer's label (bindings without one are only in the help) */ short?: string; /** the keys as the footer shows them (default `keys`) */ footerKeys?: string};

export const GLOBAL_BINDINGS: readonly Binding[] = [
	{keys: 'tab / shift+tab', does: 'next / previous panel', short: 'panels', footerKeys: 'tab'},
	{keys: '1-4', does: 'Requests, Accounts, Users, Groups'},
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
	],
	accounts: [
		{keys: '↑↓ j/k', does: 'move', short: 'move'},
		{keys: 'a', does: 'add a Google account (sign in)', short: 'add'},
		{keys: 'r', does: 'refresh quotas now', short: 'refresh'},
		{keys: 'e', does: 'enable / disable', short: 'enable/disable'},
		{keys: 'd', does: 'delete (asks first)', short: 'delete'},
	],
	users: [
		{keys: '↑↓ j', does: 'move (k rotates)', short: 'move'},
		{keys: 'n', does: 'new user (the key is shown once)', short: 'new'},
		{keys: 'k', does: 'rotate the key (asks first)', short: 'rotate key'},
		{keys: 'e', does: 'enable / disable', short: 'enable/disable'},
		{keys: 'd', does: 'delete (asks first)', short: 'delete'},
	],
	groups: [
		{keys: '↑↓ j/k', does: 'move over groups and members', short: 'move'},
		{keys: 'n', does: 'new group', short: 'new'},
		{keys: '+', does: 'add a member (pick a model)', short: 'add'},
		{keys: '-', does: 'remove the selected member', short: 'remove'},
		{keys: 'J / K', does: 'move the member down / up', short: 'order', footerKeys: 'J/K'},
		{keys: 's', does: 'switch strategy (priority / random)', short: 'strategy'},
		{keys: 't', does: 'test: which member answers', short: 'test'},
		{keys: 'd', does: 'delete the group (asks first)', short: 'delete'},
	],
};

export const DIALOG_BINDINGS: readonly Binding[] = [
	{keys: 'enter', does: 'confirm / submit'},
	{keys: 'esc', does: 'cancel'},
	{keys: 'y / n', does: 'answer a question'},
	{keys: 'tab / ←→', does: 'switch a choice in a form'},
	{keys: 'c', does: 'copy a shown key (OSC 52, where the terminal allows it)'},
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
