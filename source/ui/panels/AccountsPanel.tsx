// 2 Accounts: the pool's Google accounts with their state (rate-limit and exhaustion countdowns tick every second; a
// model that is out while others serve shows as `active · out: <model> until 14:05`, not as an exhausted account),
// requests served, and for the selected account one quota bar per model. a adds an account (sign-in), r refreshes
// quotas, e enables/disables, d deletes (after y).
import {Box} from 'ink';
import {type ReactElement, useMemo, useState} from 'react';
import type {PoolAccountSnapshot} from '../../accounts/pool.js';
import {Line} from '../components/Line.js';
import {QuotaBar} from '../components/QuotaBar.js';
import {type Column, Table} from '../components/Table.js';
import {ConfirmDialog} from '../components/dialogs/ConfirmDialog.js';
import {LoginDialog} from '../components/dialogs/LoginDialog.js';
import {fit, formatDuration, formatPercent} from '../format.js';
import {useDashboard} from '../hooks/context.js';
import {useRunner} from '../hooks/useActions.js';
import {Priority, useKeys} from '../hooks/useKeys.js';
import {useSignal} from '../hooks/useSignal.js';
import {isDown, isUp} from '../keymap.js';
import {type Described, describeAccount, describeModel} from './accountState.js';

type AccountRow = {account: PoolAccountSnapshot; state: Described; lowest: number | undefined};

const COLUMNS: ReadonlyArray<Column<AccountRow>> = [
	// Wide terminals give the room to the state (`active · out: claude-opus-4-6-thinking until 14:05`), not to a
	// 135-character e-mail column.
	{key: 'email', header: 'ACCOUNT', grow: 1, min: 12, max: 40, value: row => row.account.email},
	{key: 'state', header: 'STATE', grow: 1, min: 14, max: 72, value: row => row.state.text, tone: row => row.state.tone},
	{key: 'served', header: 'SERVED', width: 6, align: 'right', value: row => String(row.account.requestsServed)},
	{key: 'lowest', header: 'LOW', width: 4, align: 'right', drop: 2, value: row => (row.lowest === undefined ? '-' : formatPercent(row.lowest))},
	{key: 'tier', header: 'TIER', width: 10, drop: 1, value: row => row.account.tier ?? '-'},
];

type DialogState = {kind: 'none'} | {kind: 'login'} | {kind: 'delete'; email: string};

function lowestQuota(account: PoolAccountSnapshot): number | undefined {
	let lowest: number | undefined;
	for (const state of Object.values(account.models)) {
		const fraction = state.quota?.remainingFraction;
		if (fraction !== undefined && (lowest === undefined || fraction < lowest)) lowest = fraction;
	}
	return lowest;
}

export function AccountsPanel({width, height, active}: {width: number; height: number; active: boolean}): ReactElement {
	const {source, accounts: accountsStore, clock} = useDashboard();
	const accounts = useSignal(accountsStore.signal);
	const now = useSignal(clock.signal);
	const {run, busy} = useRunner();
	const [selectedEmail, setSelectedEmail] = useState<string | undefined>(undefined);
	const [dialog, setDialog] = useState<DialogState>({kind: 'none'});

	const rows = useMemo(() => accounts.map(account => ({account, state: describeAccount(account, now), lowest: lowestQuota(account)})), [accounts, now]);
	const found = selectedEmail === undefined ? -1 : rows.findIndex(row => row.account.email === selectedEmail);
	const selected = rows.length === 0 ? -1 : found < 0 ? 0 : found;
	const current = rows[selected]?.account;

	const close = (): void => setDialog({kind: 'none'});
	const refreshList = (): void => accountsStore.refresh();

	useKeys(
		(input, key) => {
			if (isDown(input, key)) setSelectedEmail(rows[Math.min(rows.length - 1, selected + 1)]?.account.email);
			else if (isUp(input, key)) setSelectedEmail(rows[Math.max(0, selected - 1)]?.account.email);
			else if (input === 'a') setDialog({kind: 'login'});
			else if (input === 'r') {
				if (!busy) void run(() => source.refreshQuotas(), {busy: 'Refreshing quotas…', done: () => 'Quotas refreshed.'}).then(refreshList);
			} else if (input === 'e') {
				if (current !== undefined && !busy) {
					const enabled = !current.enabled;
					void run(() => source.run('accounts.setEnabled', {email: current.email, enabled}), {done: view => `${enabled ? 'Enabled' : 'Disabled'} ${view.email}.`}).then(refreshList);
				}
			} else if (input === 'd') {
				if (current !== undefined) setDialog({kind: 'delete', email: current.email});
			} else return false;
			return true;
		},
		{active: active && dialog.kind === 'none', priority: Priority.normal},
	);

	if (dialog.kind === 'login') return <LoginDialog width={width} height={height} onClose={close} />;
	if (dialog.kind === 'delete') {
		const email = dialog.email;
		return (
			<ConfirmDialog
				title="Delete account"
				message={`Delete ${email}? Its refresh token is forgotten; sign in again (a) to add it back.`}
				width={width}
				onNo={close}
				onYes={() => {
					close();
					void run(() => source.run('accounts.remove', {email}), {busy: `Deleting ${email}…`, done: result => `Deleted ${result.removed}.`}).then(refreshList);
				}}
			/>
		);
	}

	const tableHeight = Math.min(rows.length + 1, Math.max(3, Math.floor(height * 0.45)));
	const quotaHeight = Math.max(0, height - tableHeight - 1);
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden">
			<Table
				columns={COLUMNS}
				rows={rows}
				rowKey={row => row.account.email}
				selected={selected}
				width={width}
				height={Math.max(2, tableHeight)}
				empty="No Google accounts yet: press a to sign one in."
			/>
			{current === undefined || quotaHeight === 0 ? undefined : <QuotaSection account={current} now={now} width={width} height={quotaHeight} />}
		</Box>
	);
}

function QuotaSection({account, now, width, height}: {account: PoolAccountSnapshot; now: number; width: number; height: number}): ReactElement {
	const models = Object.entries(account.models);
	const fetched = account.quotaFetchedAt === undefined ? 'quotas not fetched yet (r)' : `fetched ${formatDuration(now - account.quotaFetchedAt)} ago`;
	const lines = Math.max(0, height - 2);
	const shown = models.length > lines ? models.slice(0, Math.max(0, lines - 1)) : models;
	const barWidth = Math.max(10, Math.min(30, Math.floor(width * 0.3)));
	const detailWidth = Math.min(24, Math.max(10, Math.floor(width * 0.28)));
	const nameWidth = Math.max(8, width - 4 - barWidth - detailWidth - 2);
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden">
			<Line segments={[]} width={width} />
			<Line segments={[{text: ' Quota ', bold: true}, {text: account.email, bold: true, tone: 'accent'}, {text: `  ${fetched}`, tone: 'muted'}]} width={width} />
			{models.length === 0 ? <Line segments={[{text: '   No per-model data yet: press r to fetch quotas.', tone: 'muted'}]} width={width} /> : undefined}
			{shown.map(([model, state]) => {
				const detail = describeModel(state, now);
				return (
					<Box key={model} width={width}>
						<Line segments={[{text: `   ${fit(model, nameWidth)} `}]} width={nameWidth + 4} />
						<QuotaBar fraction={state.quota?.remainingFraction} width={barWidth} />
						<Line segments={[{text: `  ${detail.text}`, tone: detail.tone}]} width={Math.max(1, width - nameWidth - 4 - barWidth)} />
					</Box>
				);
			})}
			{shown.length < models.length ? <Line segments={[{text: `   +${models.length - shown.length} more models`, tone: 'muted'}]} width={width} /> : undefined}
		</Box>
	);
}
