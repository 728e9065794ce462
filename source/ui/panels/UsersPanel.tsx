// 3 Users: name, key prefix, admin, enabled, today's usage, last use, drawn by ink-table (BorderedTable: plain short
// values). n creates a user and shows the key once, R rotates the selected user's key (after y) and shows the new one
// once, e enables/disables, d deletes (after y); ↑↓ j/k move, as everywhere.
// The list is reloaded after every change and every 5 s (today's usage moves with the traffic).
import {Box} from 'ink';
import {type ReactElement, useState} from 'react';
import type {UserView} from '../../actions/users.js';
import {type BorderedColumn, BorderedTable} from '../components/BorderedTable.js';
import {ConfirmDialog} from '../components/dialogs/ConfirmDialog.js';
import {KeyDialog} from '../components/dialogs/KeyDialog.js';
import {PromptDialog} from '../components/dialogs/PromptDialog.js';
import {formatUsage, formatWhen, messageOf} from '../format.js';
import {useDashboard} from '../hooks/context.js';
import {attempt, useQuery, useRunner} from '../hooks/useActions.js';
import {Priority, useKeys} from '../hooks/useKeys.js';
import {isDown, isUp} from '../keymap.js';

// The first column also holds the selection marker (2 cells). Narrow terminals lose the last use, then the key
// prefix, admin and today's usage; name and state always stay.
export const USER_COLUMNS: ReadonlyArray<BorderedColumn<UserView>> = [
	{key: 'name', header: 'NAME', grow: 2, min: 8, max: 34, value: u => u.name},
	{key: 'key', header: 'KEY', width: 12, drop: 3, value: u => `${u.keyPrefix}…`, tone: () => 'muted'},
	{key: 'admin', header: 'ADMIN', width: 5, drop: 2, value: u => (u.admin ? 'yes' : 'no')},
	{key: 'state', header: 'STATE', width: 8, value: u => (u.disabled ? 'disabled' : 'active'), tone: text => (text === 'disabled' ? 'warn' : 'ok')},
	{key: 'today', header: 'TODAY req in/out', grow: 1, min: 22, max: 28, drop: 1, value: u => formatUsage(u.usage.today)},
	{key: 'last', header: 'LAST USED', width: 11, drop: 4, value: u => formatWhen(u.lastUsedAt)},
];

type DialogState =
	| {kind: 'none'}
	| {kind: 'create'; error?: string}
	| {kind: 'rotate'; name: string}
	| {kind: 'delete'; name: string}
	| {kind: 'key'; title: string; apiKey: string; note: string};

export const USERS_REFRESH_MS = 5000;

export function UsersPanel({width, height, active}: {width: number; height: number; active: boolean}): ReactElement {
	const {source, notify} = useDashboard();
	const {run, busy} = useRunner();
	const {data, reload, loading} = useQuery(() => source.run('users.list', {}), {refreshMs: USERS_REFRESH_MS});
	const users = data ?? [];
	const [selectedName, setSelectedName] = useState<string | undefined>(undefined);
	const [dialog, setDialog] = useState<DialogState>({kind: 'none'});
	const [creating, setCreating] = useState(false);
	const found = selectedName === undefined ? -1 : users.findIndex(user => user.name === selectedName);
	const selected = users.length === 0 ? -1 : found < 0 ? 0 : found;
	const current = users[selected];
	const close = (): void => setDialog({kind: 'none'});

	useKeys(
		(input, key) => {
			if (isDown(input, key)) setSelectedName(users[Math.min(users.length - 1, selected + 1)]?.name);
			else if (isUp(input, key)) setSelectedName(users[Math.max(0, selected - 1)]?.name);
			else if (input === 'n') setDialog({kind: 'create'});
			else if (input === 'R') {
				if (current !== undefined) setDialog({kind: 'rotate', name: current.name});
			} else if (input === 'd') {
				if (current !== undefined) setDialog({kind: 'delete', name: current.name});
			} else if (input === 'e') {
				if (current !== undefined && !busy) {
					const disabled = !current.disabled;
					void run(() => source.run('users.setDisabled', {name: current.name, disabled}), {
						done: user => (user.disabled ? `Disabled ${user.name}: their key is refused until enabled again.` : `Enabled ${user.name}.`),
					}).then(reload);
				}
			} else return false;
			return true;
		},
		{active: active && dialog.kind === 'none', priority: Priority.normal},
	);

	switch (dialog.kind) {
		case 'create':
			return (
				<PromptDialog
					title="New user"
					label="Name:"
					placeholder="a-z 0-9 . _ -, up to 32"
					choice={{label: 'Admin:', options: ['no', 'yes']}}
					hint="An admin key may also use the admin API. The key is shown once, next."
					width={width}
					busy={creating}
					error={dialog.error}
					onCancel={close}
					onSubmit={(name, admin) => {
						if (name === '' || creating) return;
						// Not through run(): a refused name stays in the dialog, to be corrected. The last outcome goes.
						notify('info', '');
						setCreating(true);
						attempt(() => source.run('users.create', {name, admin: admin === 'yes'})).then(
							result => {
								setCreating(false);
								setSelectedName(result.user.name);
								setDialog({kind: 'key', title: `API key for ${result.user.name}`, apiKey: result.key, note: `Clients send it as x-api-key or Authorization: Bearer (e.g. ANTHROPIC_API_KEY=<key> claude).`});
								void reload();
							},
							(error: unknown) => {
								setCreating(false);
								setDialog({kind: 'create', error: messageOf(error)});
							},
						);
					}}
				/>
			);
		case 'rotate': {
			const name = dialog.name;
			return (
				<ConfirmDialog
					title="Rotate key"
					message={`Give ${name} a new API key? The old key stops working at once.`}
					width={width}
					onNo={close}
					onYes={() => {
						close();
						void run(() => source.run('users.rotate', {name}), {}).then(result => {
							if (result !== undefined) setDialog({kind: 'key', title: `New API key for ${result.user.name}`, apiKey: result.key, note: 'The old key no longer works.'});
							void reload();
						});
					}}
				/>
			);
		}
		case 'delete': {
			const name = dialog.name;
			return (
				<ConfirmDialog
					title="Delete user"
					message={`Delete ${name} and their groups? Their key stops working; their usage stays in the totals.`}
					width={width}
					onNo={close}
					onYes={() => {
						close();
						void run(() => source.run('users.remove', {name}), {done: result => `Deleted user ${result.removed}.`}).then(reload);
					}}
				/>
			);
		}
		case 'key':
			return <KeyDialog title={dialog.title} apiKey={dialog.apiKey} note={dialog.note} width={width} onClose={close} />;
		case 'none':
			break;
	}
	const empty = loading ? 'Loading…' : 'No users: agproxy serves without keys (open mode). Press n to create one.';
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden">
			<BorderedTable columns={USER_COLUMNS} rows={users} selected={selected} width={width} height={height} empty={empty} />
		</Box>
	);
}
