// 4 Groups: every model group with its owner (global or a user), its members in order with their weights, each
// member's availability now (not served / limited on every account / available), and the last test's answer. One
// cursor runs over groups and their members: group keys (+ s t) act on the group under the cursor or of the member
// under it, member keys (w J K) on the member; d removes what is under the cursor: a member at once, a group after y.
// Everything is done with the same actions as `agproxy groups …` (create --user, add --weight, setWeight…).
import {Box} from 'ink';
import {type ReactElement, useMemo, useState} from 'react';
import type {PoolAccountSnapshot} from '../../accounts/pool.js';
import {type GroupMemberView, type GroupTestResult, type GroupView, MAX_WEIGHT} from '../../actions/groups.js';
import {Line, type Segment} from '../components/Line.js';
import {useScroll} from '../components/Table.js';
import {ConfirmDialog} from '../components/dialogs/ConfirmDialog.js';
import {PickerDialog} from '../components/dialogs/PickerDialog.js';
import {PromptDialog} from '../components/dialogs/PromptDialog.js';
import {fit, formatDuration, formatLatency, messageOf} from '../format.js';
import {useDashboard} from '../hooks/context.js';
import {attempt, useQuery, useRunner} from '../hooks/useActions.js';
import {Priority, useKeys} from '../hooks/useKeys.js';
import {useSignal} from '../hooks/useSignal.js';
import {isDown, isUp} from '../keymap.js';
import type {DashboardSource} from '../source.js';
import {modelAvailability} from './accountState.js';

const STRATEGIES = ['priority', 'random'] as const;
/** Groups changed elsewhere (the CLI, the admin API) show up within this long. */
export const GROUPS_REFRESH_MS = 10_000;
type Strategy = (typeof STRATEGIES)[number];

type GroupRow = {kind: 'group'; id: string; group: GroupView} | {kind: 'member'; id: string; group: GroupView; member: GroupMemberView};

export const groupId = (group: {alias: string; owner?: string | undefined}): string => `${group.owner ?? ''}/${group.alias}`;
const memberId = (group: GroupView, model: string): string => `${groupId(group)}#${model}`;
const ownerArg = (group: GroupView): {owner?: string} => (group.owner === undefined ? {} : {owner: group.owner});

function servedModels(source: DashboardSource): string[] {
	try {
		return [...source.servedModels()].sort((a, b) => a.localeCompare(b));
	} catch {
		return [];
	}
}

function flatten(groups: readonly GroupView[]): GroupRow[] {
	const rows: GroupRow[] = [];
	for (const group of groups) {
		rows.push({kind: 'group', id: groupId(group), group});
		for (const member of group.members) rows.push({kind: 'member', id: memberId(group, member.model), group, member});
	}
	return rows;
}

type TestOutcome = GroupTestResult | {ok: 'running'};

type DialogState =
	| {kind: 'none'}
	| {kind: 'create'; alias?: string; strategy?: Strategy; error?: string}
	| {kind: 'owner'; alias: string; strategy: Strategy; users: string[]}
	| {kind: 'add'; group: GroupView}
	| {kind: 'addWeight'; group: GroupView; model: string; error?: string}
	| {kind: 'weight'; group: GroupView; member: GroupMemberView; error?: string}
	| {kind: 'delete'; group: GroupView};

/** The owner picker's first item: a group every user sees (no --user). */
export const GLOBAL_OWNER = 'global (every user)';

/** A weight typed in a dialog: a number (the action checks the range), or undefined when it is not one. */
export function parseWeight(text: string): number | undefined {
	if (!/^\d+(\.\d+)?$/.test(text.trim())) return undefined;
	const weight = Number(text.trim());
	return Number.isFinite(weight) ? weight : undefined;
}

const WEIGHT_HINT = `random picks members in proportion to their weights (above 0, at most ${MAX_WEIGHT}).`;

function availability(member: GroupMemberView, accounts: readonly PoolAccountSnapshot[], now: number): Segment {
	if (!member.served) return {text: 'not served', tone: 'error'};
	const state = modelAvailability(member.model, accounts, now);
	if (state.available) return {text: 'available', tone: 'ok'};
	return {text: state.until === undefined ? 'no usable account' : `limited ${formatDuration(state.until - now)}`, tone: 'warn'};
}

function testSegments(outcome: TestOutcome | undefined): Segment[] {
	if (outcome === undefined) return [];
	if (outcome.ok === 'running') return [{text: '  testing…', tone: 'accent'}];
	if (outcome.ok) return [{text: `  test ok ${formatLatency(outcome.latencyMs)}: ${outcome.model}`, tone: 'ok'}];
	return [{text: `  test failed: ${outcome.error}`, tone: 'error'}];
}

export function GroupsPanel({width, height, active}: {width: number; height: number; active: boolean}): ReactElement {
	const {source, accounts: accountsStore, clock, notify} = useDashboard();
	const accounts = useSignal(accountsStore.signal);
	const now = useSignal(clock.signal);
	const {run, busy} = useRunner();
	// Tests take seconds (a real request upstream): they do not hold up the edits.
	const tester = useRunner();
	const {data, reload, loading} = useQuery(() => source.run('groups.list', {}), {refreshMs: GROUPS_REFRESH_MS});
	const groups = data ?? [];
	const rows = useMemo(() => flatten(groups), [groups]);
	const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
	const [dialog, setDialog] = useState<DialogState>({kind: 'none'});
	// A dialog's action in flight (create, weight): its keys wait, a refusal stays in the dialog.
	const [creating, setCreating] = useState(false);
	const [tests, setTests] = useState<ReadonlyMap<string, TestOutcome>>(new Map());
	const found = selectedId === undefined ? -1 : rows.findIndex(row => row.id === selectedId);
	const selected = rows.length === 0 ? -1 : found < 0 ? 0 : found;
	const current = rows[selected];
	const close = (): void => setDialog({kind: 'none'});
	const setTest = (id: string, outcome: TestOutcome): void => setTests(previous => new Map(previous).set(id, outcome));

	const removeMember = (group: GroupView, member: GroupMemberView): void => {
		if (busy) return;
		const index = selected;
		void run(() => source.run('groups.removeMember', {alias: group.alias, model: member.model, ...ownerArg(group)}), {
			done: () => `Removed ${member.model} from ${group.alias}.`,
		}).then(async () => {
			await reload();
			setSelectedId(rows[Math.max(0, index - 1)]?.id);
		});
	};

	const create = (alias: string, strategy: Strategy, owner: string | undefined): void => {
		notify('info', '');
		setCreating(true);
		attempt(() => source.run('groups.create', {alias, strategy, ...(owner === undefined ? {} : {owner})})).then(
			async view => {
				setCreating(false);
				close();
				notify('ok', `Created group ${view.alias}${view.owner === undefined ? '' : ` of user ${view.owner}`} (${view.strategy}). + adds members.`);
				await reload();
				setSelectedId(groupId(view));
			},
			(error: unknown) => {
				setCreating(false);
				setDialog({kind: 'create', alias, strategy, error: messageOf(error)});
			},
		);
	};

	/**
	 * Runs a weight action on `model` from a dialog: closes it when done (the notice gets the weight now stored, the
	 * member is selected), keeps it open with the refusal otherwise.
	 */
	const submitWeight = (text: string, model: string, retry: (error: string) => DialogState, work: (weight: number) => Promise<GroupView>, done: (view: GroupView, stored: string) => string): void => {
		if (creating) return;
		const weight = parseWeight(text);
		if (weight === undefined) {
			setDialog(retry(`invalid weight '${text}': expected a number above 0 and at most ${MAX_WEIGHT}`));
			return;
		}
		notify('info', '');
		setCreating(true);
		attempt(() => work(weight)).then(
			async view => {
				setCreating(false);
				close();
				notify('ok', done(view, String(view.members.find(member => member.model === model)?.weight ?? '?')));
				await reload();
				setSelectedId(memberId(view, model));
			},
			(error: unknown) => {
				setCreating(false);
				setDialog(retry(messageOf(error)));
			},
		);
	};

	const addMember = (group: GroupView, model: string, weight?: number): Promise<GroupView> =>
		source.run('groups.addMember', {alias: group.alias, model, ...(weight === undefined ? {} : {weight}), ...ownerArg(group)});

	const move = (group: GroupView, member: GroupMemberView, delta: number): void => {
		const order = member.order + delta;
		if (order < 1 || order > group.members.length || busy) return;
		void run(() => source.run('groups.moveMember', {alias: group.alias, model: member.model, order, ...ownerArg(group)}), {}).then(reload);
	};

	useKeys(
		(input, key) => {
			const group = current?.group;
			if (isDown(input, key)) setSelectedId(rows[Math.min(rows.length - 1, selected + 1)]?.id);
			else if (isUp(input, key)) setSelectedId(rows[Math.max(0, selected - 1)]?.id);
			else if (input === 'n') setDialog({kind: 'create'});
			else if (input === '+' || input === '=') {
				if (group !== undefined) setDialog({kind: 'add', group});
			} else if (input === 'w') {
				if (current?.kind === 'member') setDialog({kind: 'weight', group: current.group, member: current.member});
			} else if (input === 'J') {
				if (current?.kind === 'member') move(current.group, current.member, 1);
			} else if (input === 'K') {
				if (current?.kind === 'member') move(current.group, current.member, -1);
			} else if (input === 's') {
				if (group !== undefined && !busy) {
					const strategy: Strategy = group.strategy === 'priority' ? 'random' : 'priority';
					void run(() => source.run('groups.setStrategy', {alias: group.alias, strategy, ...ownerArg(group)}), {done: view => `${view.alias} now picks members by ${view.strategy}.`}).then(reload);
				}
			} else if (input === 't') {
				if (group !== undefined) {
					const id = groupId(group);
					if (tests.get(id)?.ok === 'running') return true;
					setTest(id, {ok: 'running'});
					void tester.run(() => source.run('groups.test', {alias: group.alias, ...ownerArg(group)}), {
						busy: `Testing ${group.alias}…`,
						done: result => (result.ok ? `${result.alias}: answered by ${result.model} in ${formatLatency(result.latencyMs)}.` : undefined),
					}).then(result => {
						if (result === undefined) {
							setTests(previous => {
								const next = new Map(previous);
								next.delete(id);
								return next;
							});
							return;
						}
						setTest(id, result);
						if (!result.ok) notify('error', `${result.alias}: no member answered: ${result.error}`);
					});
				}
			} else if (input === 'd' || input === '-') {
				// One meaning: delete what the cursor is on. A member goes at once (+ brings it back); a group asks first.
				if (current?.kind === 'member') removeMember(current.group, current.member);
				else if (current?.kind === 'group' && input === 'd') setDialog({kind: 'delete', group: current.group});
			} else return false;
			return true;
		},
		{active: active && dialog.kind === 'none', priority: Priority.normal},
	);

	switch (dialog.kind) {
		case 'create':
			return (
				<PromptDialog
					title="New group"
					label="Alias:"
					placeholder="what clients ask for, e.g. fast"
					initial={dialog.alias ?? ''}
					choice={{label: 'Strategy:', options: STRATEGIES, initial: dialog.strategy ?? 'priority'}}
					hint="priority: first available member in order; random: by weight. Next: the owner (when there are users)."
					width={width}
					busy={creating}
					error={dialog.error}
					onCancel={close}
					onSubmit={(alias, choice) => {
						if (alias === '' || creating) return;
						const strategy: Strategy = choice === 'random' ? 'random' : 'priority';
						// Like `agproxy groups create --user U`: with users, ask whose group it is.
						setCreating(true);
						attempt(() => source.run('users.list', {})).then(
							users => {
								setCreating(false);
								if (users.length === 0) create(alias, strategy, undefined);
								else setDialog({kind: 'owner', alias, strategy, users: users.map(user => user.name)});
							},
							(error: unknown) => {
								setCreating(false);
								setDialog({kind: 'create', alias, strategy, error: messageOf(error)});
							},
						);
					}}
				/>
			);
		case 'owner': {
			const {alias, strategy} = dialog;
			return (
				<PickerDialog
					title={`Owner of ${alias}: global, or one user's own (it shadows a global ${alias} for them)`}
					items={[GLOBAL_OWNER, ...dialog.users]}
					width={width}
					height={height}
					onCancel={() => setDialog({kind: 'create', alias, strategy})}
					onPick={item => {
						if (!creating) create(alias, strategy, item === GLOBAL_OWNER ? undefined : item);
					}}
				/>
			);
		}
		case 'add': {
			const group = dialog.group;
			const taken = new Set(group.members.map(member => member.model));
			const models = servedModels(source).filter(model => !taken.has(model));
			return (
				<PickerDialog
					title={`Add a member to ${group.alias}`}
					items={models}
					width={width}
					height={height}
					onCancel={close}
					onPick={model => {
						// A random group picks by weight: ask it now (like `groups add --weight`); priority ignores it.
						if (group.strategy === 'random') {
							setDialog({kind: 'addWeight', group, model});
							return;
						}
						close();
						void run(() => addMember(group, model), {done: view => `Added ${model} to ${view.alias}.`}).then(async view => {
							await reload();
							if (view !== undefined) setSelectedId(memberId(view, model));
						});
					}}
				/>
			);
		}
		case 'addWeight': {
			const {group, model} = dialog;
			return (
				<PromptDialog
					key="addWeight"
					title={`Add ${model} to ${group.alias}`}
					label="Weight:"
					initial="1"
					hint={WEIGHT_HINT}
					width={width}
					busy={creating}
					error={dialog.error}
					onCancel={close}
					onSubmit={text =>
						submitWeight(
							text,
							model,
							error => ({kind: 'addWeight', group, model, error}),
							weight => addMember(group, model, weight),
							(view, stored) => `Added ${model} to ${view.alias} with weight ${stored}.`,
						)
					}
				/>
			);
		}
		case 'weight': {
			const {group, member} = dialog;
			return (
				<PromptDialog
					key="weight"
					title={`Weight of ${member.model} in ${group.alias}${group.owner === undefined ? '' : ` of user ${group.owner}`}`}
					label="Weight:"
					initial={String(member.weight)}
					hint={group.strategy === 'random' ? WEIGHT_HINT : `${WEIGHT_HINT} This group is priority: the weight counts once it is random (s).`}
					width={width}
					busy={creating}
					error={dialog.error}
					onCancel={close}
					onSubmit={text =>
						submitWeight(
							text,
							member.model,
							error => ({kind: 'weight', group, member, error}),
							weight => source.run('groups.setWeight', {alias: group.alias, model: member.model, weight, ...ownerArg(group)}),
							(view, stored) => `${member.model} in ${view.alias} now has weight ${stored}.`,
						)
					}
				/>
			);
		}
		case 'delete': {
			const group = dialog.group;
			return (
				<ConfirmDialog
					title="Delete group"
					message={`Delete group ${group.alias}${group.owner === undefined ? '' : ` of user ${group.owner}`}? Clients asking for it get an unknown-model error.`}
					width={width}
					onNo={close}
					onYes={() => {
						close();
						void run(() => source.run('groups.remove', {alias: group.alias, ...ownerArg(group)}), {done: result => `Deleted group ${result.removed}.`}).then(reload);
					}}
				/>
			);
		}
		case 'none':
			break;
	}

	return <GroupList rows={rows} selected={selected} tests={tests} accounts={accounts} now={now} width={width} height={height} empty={loading ? 'Loading…' : 'No groups yet: press n to create one.'} />;
}

function GroupList({rows, selected, tests, accounts, now, width, height, empty}: {rows: readonly GroupRow[]; selected: number; tests: ReadonlyMap<string, TestOutcome>; accounts: readonly PoolAccountSnapshot[]; now: number; width: number; height: number; empty: string}): ReactElement {
	const visible = Math.max(1, height - 1);
	const offset = useScroll(Math.max(0, selected), visible, rows.length);
	const aliasWidth = Math.max(8, Math.min(24, Math.floor(width * 0.2)));
	return (
		<Box flexDirection="column" width={width} height={height} overflowY="hidden">
			<Line segments={[{text: `  ${fit('GROUP / MEMBERS', aliasWidth + 4)} `, bold: true, tone: 'muted'}, {text: 'OWNER    STRATEGY  ', bold: true, tone: 'muted'}]} width={width} />
			{rows.length === 0 ? <Line segments={[{text: `  ${empty}`, tone: 'muted'}]} width={width} /> : undefined}
			{rows.slice(offset, offset + visible).map((row, index) => {
				const isSelected = offset + index === selected;
				const marker: Segment = {text: isSelected ? '› ' : '  ', tone: 'accent'};
				if (row.kind === 'group') {
					const {group} = row;
					const segments: Segment[] = [
						marker,
						{text: fit(group.alias, aliasWidth + 4), bold: true, inverse: isSelected},
						{text: ` ${fit(group.owner ?? 'global', 8)} `, tone: 'muted'},
						{text: fit(group.strategy, 9), tone: 'accent'},
						{text: ` ${group.members.length === 0 ? 'no members: + adds one' : `${group.members.length} member${group.members.length === 1 ? '' : 's'}`}`, tone: group.members.length === 0 ? 'warn' : 'muted'},
						...testSegments(tests.get(row.id)),
					];
					return <Line key={row.id} segments={segments} width={width} />;
				}
				const {member, group} = row;
				const outcome = tests.get(groupId(group));
				const answered = outcome !== undefined && outcome.ok === true && outcome.model === member.model;
				const segments: Segment[] = [
					marker,
					{text: `  ${String(member.order).padStart(2)}. `, tone: 'muted'},
					{text: fit(member.model, Math.max(10, aliasWidth + 12)), inverse: isSelected, bold: isSelected},
					// The weight counts under random; under priority it is kept (muted) for a later switch.
					{text: ` w${fit(String(member.weight), 4)} `, tone: group.strategy === 'random' ? 'accent' : 'muted'},
					availability(member, accounts, now),
					...(answered ? [{text: '  ← answered the test', tone: 'ok' as const}] : []),
				];
				return <Line key={row.id} segments={segments} width={width} />;
			})}
		</Box>
	);
}
