//! The task type and strategy forms. Every keystroke runs the model's validation (the same
//! code the backend runs), errors and warnings appear at their field naming the rule, cron
//! fields show their next fire times, and Save shows exactly what will be written; it stays
//! disabled while an error stands.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::cron::{fire_times, Verdict};
use tbdesk_model::items::split_task_items;
use tbdesk_model::records::{Kind, Strategy, TaskType};
use tbdesk_model::snapshot::Decoded;
use tbdesk_model::validate::{self, Severity, Violation};
use tbdesk_model::window::Until;

use tbdesk_model::wire::{ApiError, ErrorCode, Expect};

use crate::api::{self, cmd};
use crate::browser;
use crate::state::Ctx;
use crate::widgets::ErrorPanel;

fn text_input(id: &'static str, sig: RwSignal<String>) -> impl IntoView {
    view! { <input id=id prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev)) /> }
}

fn text_area(id: &'static str, sig: RwSignal<String>) -> impl IntoView {
    view! { <textarea id=id rows="3" prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))></textarea> }
}

fn select(id: &'static str, sig: RwSignal<String>, options: &'static [&'static str]) -> impl IntoView {
    view! {
        <select id=id on:change=move |ev| sig.set(event_target_value(&ev)) prop:value=move || sig.get()>
            {options.iter().map(|o| view! { <option value=*o selected=move || sig.get() == *o>{*o}</option> }).collect_view()}
        </select>
    }
}

/// One labelled field with its unit, help and the violations that name it.
fn field(
    label: &'static str,
    key: &'static str,
    unit: &'static str,
    help: &'static str,
    input: impl IntoView + 'static,
    violations: Memo<Vec<Violation>>,
) -> impl IntoView {
    view! {
        <div class="field" data-field=key>
            <label>{label}<span class="unit">{unit}</span></label>
            {input}
            <small class="help">{help}</small>
            {move || {
                violations
                    .get()
                    .into_iter()
                    .filter(|v| v.field == key)
                    .map(|v| {
                        let class = if v.severity == Severity::Error { "field-error" } else { "field-warning" };
                        view! { <div class=class data-field=key data-rule=v.rule.clone()>{format!("{} ({})", v.message, v.rule)}</div> }
                    })
                    .collect_view()
            }}
        </div>
    }
}

fn num(v: &mut Vec<Violation>, key: &str, text: &str) -> i64 {
    match text.trim().parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            v.push(Violation {
                field: key.into(),
                rule: "number".into(),
                severity: Severity::Error,
                message: format!("{text:?} is not a whole number"),
            });
            0
        }
    }
}

fn nonblank(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn zone(ctx: &Ctx) -> chrono_tz::Tz {
    tbdesk_model::cron::parse_zone(&ctx.zone.get()).unwrap_or(chrono_tz::Tz::UTC)
}

/// An instant as the root's runtimes see it, naming the zone (`2026-03-01 09:00 Asia/Shanghai`),
/// with the viewer's local time as a hover when the zones differ.
pub fn zoned(ms: i64, tz: chrono_tz::Tz) -> impl IntoView {
    let shown = format!("{} {}", tbdesk_model::cron::format_wall(ms, tz), tz.name());
    let local = tbdesk_model::cron::parse_zone(&browser::local_zone()).filter(|l| *l != tz);
    let title = local.map(|l| format!("{} {} here", tbdesk_model::cron::format_wall(ms, l), l.name()));
    view! { <span class="zoned" title=title.clone().unwrap_or_default() data-local=title.unwrap_or_default()>{shown}</span> }
}

/// Next fire times of a cron field, shown under it.
fn cron_preview(id: &'static str, sig: RwSignal<String>, ctx: Ctx) -> impl IntoView {
    move || {
        let expr = sig.get();
        let body = validate::strip_startrun(expr.trim()).to_owned();
        if body.is_empty() || body == "-1" {
            return ().into_any();
        }
        let tz = zone(&ctx);
        let ft = fire_times(&body, tz, browser::now_ms(), 5);
        if ft.verdict != Verdict::Ok {
            return ().into_any();
        }
        view! {
            <ul class="fire-times" id=id>
                {ft.times.iter().map(|t| view! { <li>{zoned(*t, tz)}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    }
}

/// The next run windows of the start/end crons (model's rule, the one the runtimes follow). Read
/// once per edit: "open now" is as of the last keystroke.
fn run_windows(start: RwSignal<String>, end: RwSignal<String>, ctx: Ctx) -> impl IntoView {
    move || {
        let (s, e) = (start.get(), end.get());
        if s.trim().is_empty() {
            return view! { <p class="help" id="run-windows-none">"No start cron: the task type always runs."</p> }
                .into_any();
        }
        let tz = zone(&ctx);
        let now = browser::now_ms();
        // Nothing to list while either cron is broken (its error shows at its field).
        let parses = |c: &str| {
            let c = validate::strip_startrun(c.trim());
            c.is_empty() || c == "-1" || matches!(fire_times(c, tz, now, 1).verdict, Verdict::Ok | Verdict::None)
        };
        if !parses(&s) || !parses(&e) {
            return ().into_any();
        }
        let spans = tbdesk_model::window::upcoming(Some(&s), Some(&e), tz, now, 5);
        if spans.is_empty() {
            return view! { <p class="help" id="run-windows-none">"No window opens: the start cron never fires again."</p> }.into_any();
        }
        let from = move |t: Option<i64>| match t {
            None => "open now".into_any(),
            Some(t) => zoned(t, tz).into_any(),
        };
        let until = move |u: Until| match u {
            Until::At(t) => zoned(t, tz).into_any(),
            Until::NoData => "until a fetch finds no data".into_any(),
            Until::Never => "never closes (the end cron does not fire again)".into_any(),
        };
        view! {
            <ul class="fire-times" id="run-windows">
                {spans.into_iter().map(|w| view! { <li>{from(w.from)}" → "{until(w.until)}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    }
}

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

#[component]
pub fn TaskTypeForm(name: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Which stored object this form edits; set after a create succeeds.
    let editing = RwSignal::new(name.clone());
    // The stored definition (live): blob text and version.
    let stored = Memo::new(move |_| {
        let n = editing.get()?;
        let ev = ctx.snap.get()?;
        let t = ev.snapshot.task_types.iter().find(|t| t.name == n)?;
        match &t.def {
            Decoded::Ok { value } => Some((value.encode(), t.version)),
            Decoded::Bad { raw, .. } => Some((raw.clone(), t.version)),
        }
    });
    let decode: fn(&str) -> Option<TaskType> = |b| TaskType::decode(b.as_bytes()).ok();
    let (original, loaded_version) = read_stored(stored, decode).unzip();
    let base = original.unwrap_or_else(|| TaskType { deal_bean_name: None, ..TaskType::default() });
    // The object the form edits: fields it does not show (and unknown keys) come from here.
    let base_obj = RwSignal::new(base.clone());
    let s = |v: String| RwSignal::new(v);
    let f_name = s(base.base_task_type.clone().unwrap_or_default());
    let f_hb = s(base.heart_beat_rate.to_string());
    let f_dead = s(base.judge_dead_interval.to_string());
    let f_nodata = s(base.sleep_time_no_data.to_string());
    let f_interval = s(base.sleep_time_interval.to_string());
    let f_fetch = s(base.fetch_data_number.to_string());
    let f_exec = s(base.execute_number.to_string());
    let f_threads = s(base.thread_number.to_string());
    let f_proc = s(base.processor_type.clone().unwrap_or_else(|| "SLEEP".into()));
    let f_start = s(base.permit_run_start_time.clone().unwrap_or_default());
    let f_end = s(base.permit_run_end_time.clone().unwrap_or_default());
    let f_bean = s(base.deal_bean_name.clone().unwrap_or_default());
    let f_param = s(base.task_parameter.clone().unwrap_or_default());
    let f_items = s(base.task_items.clone().unwrap_or_default().join(","));
    let f_max = s(base.max_task_items_of_one_thread_group.to_string());
    let f_sts = s(base.sts.clone().unwrap_or_else(|| "resume".into()));
    let load = move |t: &TaskType| {
        f_name.set(t.base_task_type.clone().unwrap_or_default());
        f_hb.set(t.heart_beat_rate.to_string());
        f_dead.set(t.judge_dead_interval.to_string());
        f_nodata.set(t.sleep_time_no_data.to_string());
        f_interval.set(t.sleep_time_interval.to_string());
        f_fetch.set(t.fetch_data_number.to_string());
        f_exec.set(t.execute_number.to_string());
        f_threads.set(t.thread_number.to_string());
        f_proc.set(t.processor_type.clone().unwrap_or_default());
        f_start.set(t.permit_run_start_time.clone().unwrap_or_default());
        f_end.set(t.permit_run_end_time.clone().unwrap_or_default());
        f_bean.set(t.deal_bean_name.clone().unwrap_or_default());
        f_param.set(t.task_parameter.clone().unwrap_or_default());
        f_items.set(t.task_items.clone().unwrap_or_default().join(","));
        f_max.set(t.max_task_items_of_one_thread_group.to_string());
        f_sts.set(t.sts.clone().unwrap_or_default());
    };
    let built = Memo::new(move |_| {
        let mut v = Vec::new();
        let mut t = base_obj.get();
        t.base_task_type = nonblank(&f_name.get());
        t.heart_beat_rate = num(&mut v, "heartBeatRate", &f_hb.get());
        t.judge_dead_interval = num(&mut v, "judgeDeadInterval", &f_dead.get());
        t.sleep_time_no_data = num(&mut v, "sleepTimeNoData", &f_nodata.get());
        t.sleep_time_interval = num(&mut v, "sleepTimeInterval", &f_interval.get());
        t.fetch_data_number = num(&mut v, "fetchDataNumber", &f_fetch.get());
        t.execute_number = num(&mut v, "executeNumber", &f_exec.get());
        t.thread_number = num(&mut v, "threadNumber", &f_threads.get());
        t.max_task_items_of_one_thread_group = num(&mut v, "maxTaskItemsOfOneThreadGroup", &f_max.get());
        t.processor_type = Some(f_proc.get());
        t.permit_run_start_time = nonblank(&f_start.get());
        t.permit_run_end_time = nonblank(&f_end.get());
        t.deal_bean_name = nonblank(&f_bean.get());
        t.task_parameter = Some(f_param.get());
        t.sts = Some(f_sts.get());
        match split_task_items(&f_items.get()) {
            Ok(items) => t.task_items = if items.is_empty() { None } else { Some(items) },
            Err(e) => v.push(Violation {
                field: "taskItems".into(),
                rule: "items".into(),
                severity: Severity::Error,
                message: e.0,
            }),
        }
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
    let on_theirs = use_stored(stored, decode, load, base_obj, base_version, outcome);
    let title = match &name {
        Some(n) => format!("Task type {n}"),
        None => "New task type".into(),
    };
    let is_new = name.is_none();
    view! {
        <form class="form" id="task-type-form" on:submit=|e| e.prevent_default()>
            <h3>{title}</h3>
            <div class="grid">
                {field("Name", "baseTaskType", "", "Node name under baseTaskType; letters, digits, _ . - (no $, it separates the own sign).",
                    view! { <input id="f-baseTaskType" prop:readonly=!is_new prop:value=move || f_name.get() on:input=move |ev| f_name.set(event_target_value(&ev)) /> }, violations)}
                {field("Deal bean", "dealBeanName", "", "Spring bean implementing IScheduleTaskDeal.", text_input("f-dealBeanName", f_bean), violations)}
                {field("Heartbeat", "heartBeatRate", "ms", "How often each thread group rewrites its server node (≥ 1000).", text_input("f-heartBeatRate", f_hb), violations)}
                {field("Judge dead after", "judgeDeadInterval", "ms", "A server not heard from for this long is dead; must be ≥ 5 × heartbeat.", text_input("f-judgeDeadInterval", f_dead), violations)}
                {field("Threads", "threadNumber", "", "Worker threads per thread group.", text_input("f-threadNumber", f_threads), violations)}
                {field("Fetch number", "fetchDataNumber", "rows", "Rows per selectTasks call (≥ 10 × threads recommended).", text_input("f-fetchDataNumber", f_fetch), violations)}
                {field("Execute number", "executeNumber", "rows", "Rows per execute call (Multi deals).", text_input("f-executeNumber", f_exec), violations)}
                {field("Processor", "processorType", "", "SLEEP: workers share one queue; NOTSLEEP: each fetches.", select("f-processorType", f_proc, &["SLEEP", "NOTSLEEP"]), violations)}
                {field("Sleep when no data", "sleepTimeNoData", "ms", "Pause after an empty fetch.", text_input("f-sleepTimeNoData", f_nodata), violations)}
                {field("Sleep between fetches", "sleepTimeInterval", "ms", "Extra pause before each fetch.", text_input("f-sleepTimeInterval", f_interval), violations)}
                {field("Run window start", "permitRunStartTime", "cron", "TBSchedule cron (6–7 fields); prefix startrun: to also run at once. Empty: always run.",
                    view! { {text_input("f-permitRunStartTime", f_start)} {cron_preview("fire-start", f_start, ctx)} }, violations)}
                {field("Run window end", "permitRunEndTime", "cron", "Cron of the window end; -1 or empty: pause when no data.",
                    view! { {text_input("f-permitRunEndTime", f_end)} {cron_preview("fire-end", f_end, ctx)} }, violations)}
                <div class="field">
                    <label>"Run windows" <span class="unit">"next 5"</span></label>
                    {run_windows(f_start, f_end, ctx)}
                    <span class="help">"When thread groups may process, from the two crons above."</span>
                </div>
                {field("Task items", "taskItems", "", "Comma-separated ids, each optionally id:{parameter}.", text_area("f-taskItems", f_items), violations)}
                {field("Task parameter", "taskParameter", "≤ 4096 bytes", "Passed to selectTasks.", text_area("f-taskParameter", f_param), violations)}
                {field("Max items per group", "maxTaskItemsOfOneThreadGroup", "", "No effect in 3.3.x.", text_input("f-maxTaskItemsOfOneThreadGroup", f_max), violations)}
                {field("State", "sts", "", "Not read by the Java runtime (pause the strategy instead).", select("f-sts", f_sts, &["resume", "pause"]), violations)}
            </div>
            {save_bar(blob, stored, base_version, has_errors, busy, outcome, on_save, on_theirs)}
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
        let ev = ctx.snap.get()?;
        let s = ev.snapshot.strategies.iter().find(|s| s.name == n)?;
        match &s.strategy {
            Decoded::Ok { value } => Some((value.encode(), s.version)),
            Decoded::Bad { raw, .. } => Some((raw.clone(), s.version)),
        }
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
    let f_name = RwSignal::new(base.strategy_name.clone().unwrap_or_default());
    let f_kind = RwSignal::new(base.kind.map(|k| k.as_str().to_owned()).unwrap_or_default());
    let f_task = RwSignal::new(base.task_name.clone().unwrap_or_default());
    let f_ips = RwSignal::new(base.ip_list.clone().unwrap_or_default().join(","));
    let f_assign = RwSignal::new(base.assign_num.to_string());
    let f_single = RwSignal::new(base.num_of_single_server.to_string());
    let f_param = RwSignal::new(base.task_parameter.clone().unwrap_or_default());
    let f_sts = RwSignal::new(base.sts.clone().unwrap_or_else(|| "resume".into()));
    let copy_sign = RwSignal::new(String::new());
    let load = move |s: &Strategy| {
        f_name.set(s.strategy_name.clone().unwrap_or_default());
        f_kind.set(s.kind.map(|k| k.as_str().to_owned()).unwrap_or_default());
        f_task.set(s.task_name.clone().unwrap_or_default());
        f_ips.set(s.ip_list.clone().unwrap_or_default().join(","));
        f_assign.set(s.assign_num.to_string());
        f_single.set(s.num_of_single_server.to_string());
        f_param.set(s.task_parameter.clone().unwrap_or_default());
        f_sts.set(s.sts.clone().unwrap_or_default());
    };
    let built = Memo::new(move |_| {
        let mut v = Vec::new();
        let mut s = base_obj.get();
        s.strategy_name = nonblank(&f_name.get());
        s.kind = Kind::parse(&f_kind.get());
        s.task_name = nonblank(&f_task.get());
        let ips = f_ips.get();
        // The Java console splits on ',' without trimming; tbdesk trims and says so when needed.
        s.ip_list =
            Some(if ips.trim().is_empty() { vec![] } else { ips.split(',').map(|x| x.trim().to_owned()).collect() });
        s.assign_num = num(&mut v, "assignNum", &f_assign.get());
        s.num_of_single_server = num(&mut v, "numOfSingleServer", &f_single.get());
        s.task_parameter = Some(f_param.get());
        s.sts = Some(f_sts.get());
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
    let on_theirs = use_stored(stored, decode, load, base_obj, base_version, outcome);
    let title = match &name {
        Some(n) => format!("Strategy {n}"),
        None => "New strategy".into(),
    };
    let is_new = name.is_none();
    view! {
        <form class="form" id="strategy-form" on:submit=|e| e.prevent_default()>
            <h3>{title}</h3>
            <div class="grid">
                {field("Name", "strategyName", "", "Node name under strategy.",
                    view! { <input id="f-strategyName" prop:readonly=!is_new prop:value=move || f_name.get() on:input=move |ev| f_name.set(event_target_value(&ev)) /> }, violations)}
                {field("Kind", "kind", "", "Schedule: run a task type; Java/Bean: an IStrategyTask.", select("f-kind", f_kind, &["Schedule", "Java", "Bean"]), violations)}
                {field("Task", "taskName", "", "For Schedule: base or base$OWN_SIGN.", text_input("f-taskName", f_task), violations)}
                {field("Machines (IP list)", "IPList", "", "Comma-separated IPs or host names; 127.0.0.1 and localhost match every machine.", text_input("f-IPList", f_ips), violations)}
                {field("Thread groups", "assignNum", "", "Total thread groups over all machines.", text_input("f-assignNum", f_assign), violations)}
                {field("Max per machine", "numOfSingleServer", "", "No effect in 3.3.x.", text_input("f-numOfSingleServer", f_single), violations)}
                {field("Parameter", "taskParameter", "≤ 4096 bytes", "Passed to IStrategyTask (Java/Bean kinds).", text_area("f-taskParameter", f_param), violations)}
                {field("State", "sts", "", "pause stops every factory running it.", select("f-sts", f_sts, &["resume", "pause"]), violations)}
            </div>
            {save_bar(blob, stored, base_version, has_errors, busy, outcome, on_save, on_theirs)}
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
