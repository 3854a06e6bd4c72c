//! The task type and strategy forms. Every keystroke runs the model's validation (the same
//! code the backend runs), errors and warnings appear at their field naming the rule, cron
//! fields show their next fire times, and Save shows exactly what will be written; it stays
//! disabled while an error stands.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::items::split_task_items;
use tbdesk_model::records::{Kind, Strategy, TaskType};
use tbdesk_model::snapshot::Decoded;
use tbdesk_model::validate::{self, Severity, Violation};
use tbdesk_model::wire::{ApiError, ErrorCode, Expect};

use crate::api::{self, cmd};
use crate::browser;
use crate::fields::{nonblank, num, run_windows, zone, Fields, Spec, Widget};
use crate::state::Ctx;
use crate::widgets::ErrorPanel;

/// Field-level differences between the stored blob and the one to write (model's rule).
fn diff(before: Option<&str>, after: &str) -> Vec<(String, String, String)> {
    let show = |v: Option<serde_json::Value>| v.map_or("—".to_string(), |v| v.to_string());
    tbdesk_model::diff::field_diff(before, after)
        .into_iter()
        .map(|d| (d.field, show(d.before), show(d.after)))
        .collect()
}

type SaveFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<i32, ApiError>>>>;

/// What both forms share once their object is built: its violations, its blob, and saving it
/// (busy flag, outcome, and switching to "edit" after a create).
struct Editor {
    violations: Memo<Vec<Violation>>,
    has_errors: Memo<bool>,
    blob: Memo<Option<String>>,
    busy: RwSignal<bool>,
    outcome: RwSignal<Option<Result<String, ApiError>>>,
    /// The stored version the form's values were loaded from (None: not stored yet). A save
    /// expects exactly this version, so a change made meanwhile is a conflict, never overwritten.
    base: RwSignal<Option<i32>>,
}

impl Editor {
    fn new<T: Clone + PartialEq + Send + Sync + 'static>(
        built: Memo<(T, Vec<Violation>)>,
        encode: fn(&T) -> String,
        loaded_version: Option<i32>,
    ) -> Self {
        let violations = Memo::new(move |_| built.get().1);
        Editor {
            violations,
            has_errors: Memo::new(move |_| validate::has_errors(&violations.get())),
            blob: Memo::new(move |_| Some(encode(&built.get().0))),
            busy: RwSignal::new(false),
            outcome: RwSignal::new(None),
            base: RwSignal::new(loaded_version),
        }
    }

    /// The save action: writes `built` with `save`, reports, and remembers the object's name.
    fn on_save<T: Clone + PartialEq + Send + Sync + 'static>(
        &self,
        ctx: Ctx,
        built: Memo<(T, Vec<Violation>)>,
        name_of: fn(&T) -> Option<String>,
        save: fn(String, T, Expect) -> SaveFuture,
        editing: RwSignal<Option<String>>,
    ) -> impl Fn(Expect) + Copy + Send + Sync + 'static {
        let (busy, outcome, base) = (self.busy, self.outcome, self.base);
        move |expected: Expect| {
            let Some(profile) = ctx.profile.get_untracked() else { return };
            let obj = built.get_untracked().0;
            busy.set(true);
            spawn_local(async move {
                let name = name_of(&obj);
                let r = save(profile, obj, expected).await;
                busy.set(false);
                if let Ok(v) = r {
                    base.set(Some(v));
                    editing.set(name.clone());
                }
                outcome.set(Some(r.map(|v| format!("Saved {} (version {v}).", name.unwrap_or_default()))));
            });
        }
    }
}

/// The stored object and its version, when this form can read the stored blob (a blob it
/// cannot read is never the base of a save: Save then conflicts).
fn read_stored<T>(stored: Memo<Option<(String, i32)>>, decode: fn(&str) -> Option<T>) -> Option<(T, i32)> {
    stored.get_untracked().and_then(|(blob, v)| Some((decode(&blob)?, v)))
}

/// "Use the stored version": the form takes the stored object (shown fields and the rest) and
/// its version, so the next save is an ordinary update of it.
fn use_stored<T: Send + Sync + 'static>(
    stored: Memo<Option<(String, i32)>>,
    decode: fn(&str) -> Option<T>,
    load: impl Fn(&T) + Copy + Send + Sync + 'static,
    base_obj: RwSignal<T>,
    base_version: RwSignal<Option<i32>>,
    outcome: RwSignal<Option<Result<String, ApiError>>>,
) -> impl Fn() + Copy + Send + Sync + 'static {
    move || {
        if let Some((obj, v)) = read_stored(stored, decode) {
            load(&obj);
            base_obj.set(obj);
            base_version.set(Some(v));
            outcome.set(None);
        }
    }
}

/// "Save a copy to another profile": the same object, created (never overwritten) there.
fn copy_to_profile(ctx: Ctx, save: impl Fn(String) + Copy + Send + Sync + 'static) -> impl IntoView {
    let others = LocalResource::new(|| api::call::<cmd::ListProfiles>(cmd::NoArgs {}));
    let target = RwSignal::new(String::new());
    view! {
        <div class="toolbar copy">
            <label>"Save a copy to profile "</label>
            <select id="copy-profile" on:change=move |ev| target.set(event_target_value(&ev))>
                <option value="">"—"</option>
                {move || others.get().and_then(|r| r.ok()).unwrap_or_default().into_iter()
                    .filter(|p| Some(&p.fields.name) != ctx.profile.get_untracked().as_ref())
                    .map(|p| view! { <option value=p.fields.name.clone()>{p.fields.name.clone()}</option> }).collect_view()}
            </select>
            <button id="copy-save" prop:disabled=move || target.get().is_empty() on:click=move |_| save(target.get_untracked())>"Copy"</button>
        </div>
    }
}

/// The save bar: what will be written, the Save button, the outcome; conflicts offer both
/// versions.
fn save_bar(
    blob: Memo<Option<String>>,
    stored: Memo<Option<(String, i32)>>,
    base: RwSignal<Option<i32>>,
    has_errors: Memo<bool>,
    busy: RwSignal<bool>,
    outcome: RwSignal<Option<Result<String, ApiError>>>,
    on_save: impl Fn(Expect) + Copy + Send + Sync + 'static,
    on_theirs: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="save">
            <h4>"Will write"</h4>
            {move || {
                let after = blob.get().unwrap_or_default();
                let st = stored.get();
                let rows = diff(st.as_ref().map(|(b, _)| b.as_str()), &after);
                let unchanged = rows.is_empty().then(|| view! { <p class="muted" id="no-change">"No change: the form equals the stored version."</p> });
                view! {
                    {unchanged}
                    <table class="diff" id="save-diff">
                        <thead><tr><th>"Field"</th><th>"Stored"</th><th>"New"</th></tr></thead>
                        <tbody>{rows.into_iter().map(|(k, a, b)| view! { <tr><td>{k}</td><td class="mono">{a}</td><td class="mono">{b}</td></tr> }).collect_view()}</tbody>
                    </table>
                    <pre class="blob" id="save-blob">{after}</pre>
                }
            }}
            <button
                id="save"
                class="primary"
                prop:disabled=move || has_errors.get() || busy.get()
                on:click=move |_| on_save(base.get_untracked().map_or(Expect::Absent, Expect::Version))
            >
                {move || if has_errors.get() { "Fix the errors to save" } else { "Save" }}
            </button>
            {move || {
                let now = stored.get().map(|(_, v)| v);
                // Only a newer stored version: right after a save the live view may still lag.
                match (base.get(), now) {
                    (Some(b), Some(n)) if n > b => Some(format!(
                        "Changed in ZooKeeper since this form was loaded (version {b} → {n}); Save will show both versions and let you choose."
                    )),
                    _ => None,
                }
                .map(|m| view! { <p class="warning" id="stale">{m}</p> })
            }}
            {move || match outcome.get() {
                None => ().into_any(),
                Some(Ok(msg)) => view! { <p class="saved" id="saved">{msg}</p> }.into_any(),
                Some(Err(e)) if e.code == ErrorCode::Conflict => {
                    let actual = e.detail.as_ref().and_then(|d| d.get("actual")).and_then(|a| a.as_i64());
                    view! {
                        <ErrorPanel err=e.clone() />
                        <div class="conflict">
                            <h4>"Stored now"</h4>
                            <pre class="blob">{stored.get().map(|(b, _)| b).unwrap_or_else(|| "(deleted)".into())}</pre>
                            <button id="use-theirs" on:click=move |_| on_theirs()>"Use the stored version"</button>
                            {match actual {
                                Some(v) => view! { <button id="overwrite" on:click=move |_| on_save(Expect::Version(v as i32))>"Overwrite with mine"</button> }.into_any(),
                                None => view! { <button id="recreate" on:click=move |_| on_save(Expect::Absent)>"Create it again with mine"</button> }.into_any(),
                            }}
                        </div>
                    }.into_any()
                }
                Some(Err(e)) => view! { <ErrorPanel err=e /> }.into_any(),
            }}
        </div>
    }
}

/// The task type form's fields, in the order shown.
#[rustfmt::skip]
const TASK_TYPE: &[Spec<TaskType>] = &[
    Spec { key: "baseTaskType", label: "Name", unit: "", help: "Node name under baseTaskType; letters, digits, _ . - (no $, it separates the own sign).", widget: Widget::Name,
        read: |t| t.base_task_type.clone().unwrap_or_default(), write: |t, x, _| t.base_task_type = nonblank(x) },
    Spec { key: "dealBeanName", label: "Deal bean", unit: "", help: "Spring bean implementing IScheduleTaskDeal.", widget: Widget::Text,
        read: |t| t.deal_bean_name.clone().unwrap_or_default(), write: |t, x, _| t.deal_bean_name = nonblank(x) },
    Spec { key: "heartBeatRate", label: "Heartbeat", unit: "ms", help: "How often each thread group rewrites its server node (≥ 1000).", widget: Widget::Text,
        read: |t| t.heart_beat_rate.to_string(), write: |t, x, v| t.heart_beat_rate = num(v, "heartBeatRate", x) },
    Spec { key: "judgeDeadInterval", label: "Judge dead after", unit: "ms", help: "A server not heard from for this long is dead; must be ≥ 5 × heartbeat.", widget: Widget::Text,
        read: |t| t.judge_dead_interval.to_string(), write: |t, x, v| t.judge_dead_interval = num(v, "judgeDeadInterval", x) },
    Spec { key: "threadNumber", label: "Threads", unit: "", help: "Worker threads per thread group.", widget: Widget::Text,
        read: |t| t.thread_number.to_string(), write: |t, x, v| t.thread_number = num(v, "threadNumber", x) },
    Spec { key: "fetchDataNumber", label: "Fetch number", unit: "rows", help: "Rows per selectTasks call (≥ 10 × threads recommended).", widget: Widget::Text,
        read: |t| t.fetch_data_number.to_string(), write: |t, x, v| t.fetch_data_number = num(v, "fetchDataNumber", x) },
    Spec { key: "executeNumber", label: "Execute number", unit: "rows", help: "Rows per execute call (Multi deals).", widget: Widget::Text,
        read: |t| t.execute_number.to_string(), write: |t, x, v| t.execute_number = num(v, "executeNumber", x) },
    Spec { key: "processorType", label: "Processor", unit: "", help: "Both share one queue. SLEEP: fetch once every worker is idle; NOTSLEEP: fetch when the queue empties, the others executing.", widget: Widget::Select(&["SLEEP", "NOTSLEEP"]),
        read: |t| t.processor_type.clone().unwrap_or_else(|| "SLEEP".into()), write: |t, x, _| t.processor_type = Some(x.to_owned()) },
    Spec { key: "sleepTimeNoData", label: "Sleep when no data", unit: "ms", help: "Pause after an empty fetch.", widget: Widget::Text,
        read: |t| t.sleep_time_no_data.to_string(), write: |t, x, v| t.sleep_time_no_data = num(v, "sleepTimeNoData", x) },
    Spec { key: "sleepTimeInterval", label: "Sleep between fetches", unit: "ms", help: "Extra pause before each fetch.", widget: Widget::Text,
        read: |t| t.sleep_time_interval.to_string(), write: |t, x, v| t.sleep_time_interval = num(v, "sleepTimeInterval", x) },
    Spec { key: "permitRunStartTime", label: "Run window start", unit: "cron", help: "TBSchedule cron (6–7 fields); prefix startrun: to also run at once. Empty: always run.", widget: Widget::Cron("fire-start"),
        read: |t| t.permit_run_start_time.clone().unwrap_or_default(), write: |t, x, _| {
            // Unchanged text keeps the stored value byte for byte (Java reads it untrimmed).
            if t.permit_run_start_time.as_deref().unwrap_or_default() != x {
                t.permit_run_start_time = nonblank(x)
            }
        } },
    Spec { key: "permitRunEndTime", label: "Run window end", unit: "cron", help: "Cron of the window end; -1 or empty: pause when no data.", widget: Widget::Cron("fire-end"),
        read: |t| t.permit_run_end_time.clone().unwrap_or_default(), write: |t, x, _| {
            if t.permit_run_end_time.as_deref().unwrap_or_default() != x {
                t.permit_run_end_time = nonblank(x)
            }
        } },
    Spec { key: "taskItems", label: "Task items", unit: "", help: "Comma-separated ids, each optionally id:{parameter}.", widget: Widget::Area,
        read: |t| t.task_items.clone().unwrap_or_default().join(","),
        write: |t, x, v| match split_task_items(x) {
            Ok(items) => t.task_items = if items.is_empty() { None } else { Some(items) },
            Err(e) => v.push(Violation { field: "taskItems".into(), rule: "items".into(), severity: Severity::Error, message: e.0 }),
        } },
    Spec { key: "taskParameter", label: "Task parameter", unit: "≤ 4096 bytes", help: "Passed to selectTasks.", widget: Widget::Area,
        read: |t| t.task_parameter.clone().unwrap_or_default(), write: |t, x, _| t.task_parameter = Some(x.to_owned()) },
    Spec { key: "maxTaskItemsOfOneThreadGroup", label: "Max items per group", unit: "", help: "No effect in 3.3.x.", widget: Widget::Text,
        read: |t| t.max_task_items_of_one_thread_group.to_string(), write: |t, x, v| t.max_task_items_of_one_thread_group = num(v, "maxTaskItemsOfOneThreadGroup", x) },
    Spec { key: "sts", label: "State", unit: "", help: "Not read by the Java runtime (pause the strategy instead).", widget: Widget::Select(&["resume", "pause"]),
        read: |t| t.sts.clone().unwrap_or_else(|| "resume".into()), write: |t, x, _| t.sts = Some(x.to_owned()) },
];

/// The strategy form's fields, in the order shown.
#[rustfmt::skip]
const STRATEGY: &[Spec<Strategy>] = &[
    Spec { key: "strategyName", label: "Name", unit: "", help: "Node name under strategy.", widget: Widget::Name,
        read: |s| s.strategy_name.clone().unwrap_or_default(), write: |s, x, _| s.strategy_name = nonblank(x) },
    Spec { key: "kind", label: "Kind", unit: "", help: "Schedule: run a task type; Java/Bean: an IStrategyTask.", widget: Widget::Select(&["Schedule", "Java", "Bean"]),
        read: |s| s.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(), write: |s, x, _| s.kind = Kind::parse(x) },
    Spec { key: "taskName", label: "Task", unit: "", help: "For Schedule: base or base$OWN_SIGN.", widget: Widget::Text,
        read: |s| s.task_name.clone().unwrap_or_default(), write: |s, x, _| s.task_name = nonblank(x) },
    // The Java console splits on ',' without trimming; tbdesk trims and says so when needed.
    Spec { key: "IPList", label: "Machines (IP list)", unit: "", help: "Comma-separated IPs or host names; 127.0.0.1 and localhost match every machine.", widget: Widget::Text,
        read: |s| s.ip_list.clone().unwrap_or_default().join(","),
        write: |s, x, _| s.ip_list = Some(if x.trim().is_empty() { vec![] } else { x.split(',').map(|i| i.trim().to_owned()).collect() }) },
    Spec { key: "assignNum", label: "Thread groups", unit: "", help: "Total thread groups over all machines.", widget: Widget::Text,
        read: |s| s.assign_num.to_string(), write: |s, x, v| s.assign_num = num(v, "assignNum", x) },
    Spec { key: "numOfSingleServer", label: "Max per machine", unit: "", help: "No effect in 3.3.x.", widget: Widget::Text,
        read: |s| s.num_of_single_server.to_string(), write: |s, x, v| s.num_of_single_server = num(v, "numOfSingleServer", x) },
    Spec { key: "taskParameter", label: "Parameter", unit: "≤ 4096 bytes", help: "Passed to IStrategyTask (Java/Bean kinds).", widget: Widget::Area,
        read: |s| s.task_parameter.clone().unwrap_or_default(), write: |s, x, _| s.task_parameter = Some(x.to_owned()) },
    Spec { key: "sts", label: "State", unit: "", help: "pause stops every factory running it.", widget: Widget::Select(&["resume", "pause"]),
        read: |s| s.sts.clone().unwrap_or_else(|| "resume".into()), write: |s, x, _| s.sts = Some(x.to_owned()) },
];

/// Deletes the stored object the form shows, at the version the form stands on, once confirmed
/// (a production profile then asks for its name, as for every write). The backend refuses,
/// deleting nothing, while runtimes hold it or (a task type) a strategy points at it; the
/// refusal, naming them, is shown under the button.
fn delete_button(
    ctx: Ctx,
    task_type: bool,
    editing: RwSignal<Option<String>>,
    stored: Memo<Option<(String, i32)>>,
    base_version: RwSignal<Option<i32>>,
) -> impl IntoView {
    let outcome: RwSignal<Option<Result<String, ApiError>>> = RwSignal::new(None);
    let kind = if task_type { "task type" } else { "strategy" };
    let id = if task_type { "delete-task-type" } else { "delete-strategy" };
    let delete = move |_| {
        // The version the form stands on: one changed since (the form says so) is a conflict.
        let (Some(name), Some(version), Some(profile)) =
            (editing.get_untracked(), base_version.get_untracked(), ctx.profile.get_untracked())
        else {
            return;
        };
        let what = if task_type {
            format!("Delete task type {name} (version {version}) with every domain of it?")
        } else {
            format!("Delete strategy {name} (version {version})?")
        };
        if !browser::confirm(&what) {
            return;
        }
        spawn_local(async move {
            let r = if task_type {
                api::call::<cmd::DeleteTaskType>(cmd::DeleteTaskTypeArgs { profile, name: name.clone(), version }).await
            } else {
                api::call::<cmd::DeleteStrategy>(cmd::DeleteStrategyArgs { profile, name: name.clone(), version }).await
            };
            outcome.set(Some(r.map(|_| format!("Deleted {kind} {name}."))));
        });
    };
    view! {
        <div class="delete-bar">
            <Show when=move || stored.with(|s| s.is_some())>
                <button type="button" class="small delete" id=id on:click=delete>{format!("Delete {kind}…")}</button>
            </Show>
            {move || match outcome.get() {
                None => ().into_any(),
                Some(Ok(m)) => view! { <p class="saved" id="deleted">{m}</p> }.into_any(),
                // Its own heading: the save bar's would say "Not saved".
                Some(Err(e)) => view! { <ErrorPanel err=e title="Not deleted" /> }.into_any(),
            }}
        </div>
    }
}

#[component]
pub fn TaskTypeForm(name: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Which stored object this form edits; set after a create succeeds.
    let editing = RwSignal::new(name.clone());
    // The stored definition (live): blob text and version.
    let stored = Memo::new(move |_| {
        let n = editing.get()?;
        ctx.snap.with(|ev| {
            let t = ev.as_ref()?.snapshot.task_types.iter().find(|t| t.name == n)?;
            match &t.def {
                Decoded::Ok { value } => Some((value.encode(), t.version)),
                Decoded::Bad { raw, .. } => Some((raw.clone(), t.version)),
            }
        })
    });
    let decode: fn(&str) -> Option<TaskType> = |b| TaskType::decode(b.as_bytes()).ok();
    let (original, loaded_version) = read_stored(stored, decode).unzip();
    let base = original.unwrap_or_else(|| TaskType { deal_bean_name: None, ..TaskType::default() });
    // The object the form edits: fields it does not show (and unknown keys) come from here.
    let base_obj = RwSignal::new(base.clone());
    let fields = Fields::new(TASK_TYPE, &base);
    let built = Memo::new(move |_| {
        let mut v = Vec::new();
        let mut t = base_obj.get();
        fields.build(&mut t, &mut v);
        let cx = validate::Context { now_ms: browser::now_ms(), tz: zone(&ctx) };
        v.extend(validate::task_type(&t, &cx));
        (t, v)
    });
    let ed = Editor::new(built, TaskType::encode, loaded_version);
    let Editor { violations, has_errors, blob, busy, outcome, base: base_version } = ed;
    let on_save = ed.on_save(
        ctx,
        built,
        |t: &TaskType| t.base_task_type.clone(),
        |profile, task_type, expected| {
            Box::pin(async move {
                api::call::<cmd::SaveTaskType>(cmd::SaveTaskTypeArgs { profile, task_type, expected }).await
            })
        },
        editing,
    );
    let on_theirs = use_stored(stored, decode, move |t: &TaskType| fields.load(t), base_obj, base_version, outcome);
    let title = match &name {
        Some(n) => format!("Task type {n}"),
        None => "New task type".into(),
    };
    let is_new = name.is_none();
    let (start, end) = (fields.signal("permitRunStartTime"), fields.signal("permitRunEndTime"));
    let builder = RwSignal::new(None::<&'static str>);
    view! {
        <form class="form" id="task-type-form" on:submit=|e| e.prevent_default()>
            <h3>{title}</h3>
            <div class="grid">
                {fields.view("baseTaskType", "permitRunEndTime", violations, is_new, ctx)}
                <div class="field">
                    <label>"Run windows" <span class="unit">"next 5"</span></label>
                    {run_windows(start, end, ctx)}
                    <span class="help">"When thread groups may process, from the two crons above."</span>
                </div>
                <div class="field wide">
                    <label>"Cron builder"</label>
                    <div class="toolbar">
                        <button type="button" class="small" id="cb-open-start" on:click=move |_| builder.update(|b| *b = if *b == Some("start") { None } else { Some("start") })>"Build the start cron"</button>
                        <button type="button" class="small" id="cb-open-end" on:click=move |_| builder.update(|b| *b = if *b == Some("end") { None } else { Some("end") })>"Build the end cron"</button>
                    </div>
                    {move || match builder.get() {
                        Some("start") => view! { <crate::cron_builder::CronBuilder field="permitRunStartTime" target=start /> }.into_any(),
                        Some(_) => view! { <crate::cron_builder::CronBuilder field="permitRunEndTime" target=end /> }.into_any(),
                        None => ().into_any(),
                    }}
                </div>
                {fields.view("taskItems", "sts", violations, is_new, ctx)}
            </div>
            {save_bar(blob, stored, base_version, has_errors, busy, outcome, on_save, on_theirs)}
            {delete_button(ctx, true, editing, stored, base_version)}
            {copy_to_profile(ctx, move |target: String| {
                let t = built.get_untracked().0;
                spawn_local(async move {
                    let r = api::call::<cmd::SaveTaskType>(cmd::SaveTaskTypeArgs { profile: target.clone(), task_type: t, expected: Expect::Absent }).await;
                    outcome.set(Some(r.map(|_| format!("Copied to profile {target}."))));
                });
            })}
        </form>
    }
}

#[component]
pub fn StrategyForm(name: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let editing = RwSignal::new(name.clone());
    let stored = Memo::new(move |_| {
        let n = editing.get()?;
        ctx.snap.with(|ev| {
            let s = ev.as_ref()?.snapshot.strategies.iter().find(|s| s.name == n)?;
            match &s.strategy {
                Decoded::Ok { value } => Some((value.encode(), s.version)),
                Decoded::Bad { raw, .. } => Some((raw.clone(), s.version)),
            }
        })
    });
    let decode: fn(&str) -> Option<Strategy> = |b| Strategy::decode(b.as_bytes()).ok();
    let (original, loaded_version) = read_stored(stored, decode).unzip();
    let base = original.unwrap_or_else(|| Strategy {
        kind: Some(Kind::Schedule),
        assign_num: 1,
        ip_list: Some(vec![]),
        task_parameter: Some(String::new()),
        ..Strategy::default()
    });
    let base_obj = RwSignal::new(base.clone());
    let fields = Fields::new(STRATEGY, &base);
    let copy_sign = RwSignal::new(String::new());
    let built = Memo::new(move |_| {
        let mut v = Vec::new();
        let mut s = base_obj.get();
        fields.build(&mut s, &mut v);
        v.extend(validate::strategy(&s));
        (s, v)
    });
    let ed = Editor::new(built, Strategy::encode, loaded_version);
    let Editor { violations, has_errors, blob, busy, outcome, base: base_version } = ed;
    let on_save = ed.on_save(
        ctx,
        built,
        |s: &Strategy| s.strategy_name.clone(),
        |profile, strategy, expected| {
            Box::pin(async move {
                api::call::<cmd::SaveStrategy>(cmd::SaveStrategyArgs { profile, strategy, expected }).await
            })
        },
        editing,
    );
    let on_theirs = use_stored(stored, decode, move |s: &Strategy| fields.load(s), base_obj, base_version, outcome);
    let title = match &name {
        Some(n) => format!("Strategy {n}"),
        None => "New strategy".into(),
    };
    let is_new = name.is_none();
    view! {
        <form class="form" id="strategy-form" on:submit=|e| e.prevent_default()>
            <h3>{title}</h3>
            <div class="grid">
                {fields.view("strategyName", "sts", violations, is_new, ctx)}
            </div>
            {save_bar(blob, stored, base_version, has_errors, busy, outcome, on_save, on_theirs)}
            {delete_button(ctx, false, editing, stored, base_version)}
            {copy_to_profile(ctx, move |target: String| {
                let s = built.get_untracked().0;
                spawn_local(async move {
                    let r = api::call::<cmd::SaveStrategy>(cmd::SaveStrategyArgs { profile: target.clone(), strategy: s, expected: Expect::Absent }).await;
                    outcome.set(Some(r.map(|_| format!("Copied to profile {target}."))));
                });
            })}
            <div class="toolbar copy">
                <label>"Copy to own sign "</label>
                <input id="copy-own-sign" placeholder="dev1" prop:value=move || copy_sign.get() on:input=move |ev| copy_sign.set(event_target_value(&ev)) />
                <button id="copy-own-sign-save" prop:disabled=move || copy_sign.get().trim().is_empty() on:click=move |_| {
                    let mut s = built.get_untracked().0;
                    let sign = copy_sign.get_untracked().trim().to_owned();
                    let base = tbdesk_model::names::TaskTypeName::parse(s.task_name.as_deref().unwrap_or_default()).base;
                    s.task_name = Some(tbdesk_model::names::TaskTypeName::new(base, sign.clone()).task_type());
                    s.strategy_name = s.strategy_name.map(|n| format!("{n}-{sign}"));
                    let Some(profile) = ctx.profile.get_untracked() else { return };
                    spawn_local(async move {
                        let name = s.strategy_name.clone().unwrap_or_default();
                        let r = api::call::<cmd::SaveStrategy>(cmd::SaveStrategyArgs { profile, strategy: s, expected: Expect::Absent }).await;
                        outcome.set(Some(r.map(|_| format!("Created {name} for own sign {sign}."))));
                    });
                }>"Create copy"</button>
            </div>
        </form>
    }
}
