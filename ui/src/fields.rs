//! A form field, declared once: its key (the Java JSON key, the element id `f-KEY` and the
//! `data-field` the violations name), label, unit, help, widget, and how it reads from and
//! writes to the record. A form is a table of these; signals, loading a stored object, building
//! the object to save and the markup all come from the table.

use leptos::prelude::*;
use tbdesk_model::cron::{fire_times, Verdict};
use tbdesk_model::validate::{self, Severity, Violation};
use tbdesk_model::window::Until;

use crate::browser;
use crate::state::Ctx;

/// How a field is edited.
#[derive(Clone, Copy)]
pub enum Widget {
    /// One line of text.
    Text,
    /// Several lines.
    Area,
    /// One of these values.
    Select(&'static [&'static str]),
    /// The object's node name: editable only while the object is new.
    Name,
    /// A TBSchedule cron, with its next fire times listed under it (element id given).
    Cron(&'static str),
}

/// One field of a form over records of type `T`.
pub struct Spec<T> {
    /// The Java JSON key.
    pub key: &'static str,
    /// What the user reads.
    pub label: &'static str,
    /// Unit or bound shown beside the label.
    pub unit: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// How it is edited.
    pub widget: Widget,
    /// The text the field shows for a record.
    pub read: fn(&T) -> String,
    /// Writes the field's text into a record; a text that is not a value is a violation.
    pub write: fn(&mut T, &str, &mut Vec<Violation>),
}

/// A form's fields and their current texts.
pub struct Fields<T: 'static> {
    specs: &'static [Spec<T>],
    values: StoredValue<Vec<RwSignal<String>>>,
}

impl<T> Clone for Fields<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Fields<T> {}

impl<T: Send + Sync + 'static> Fields<T> {
    /// The fields, showing `record`.
    pub fn new(specs: &'static [Spec<T>], record: &T) -> Self {
        let values = specs.iter().map(|s| RwSignal::new((s.read)(record))).collect();
        Fields { specs, values: StoredValue::new(values) }
    }

    /// The text of field `key` (a form declares its keys; an unknown one is a bug, shown empty).
    pub fn signal(&self, key: &str) -> RwSignal<String> {
        let i = self.specs.iter().position(|s| s.key == key);
        self.values.with_value(|v| i.and_then(|i| v.get(i).copied())).unwrap_or_else(|| RwSignal::new(String::new()))
    }

    /// Shows a stored record in every field.
    pub fn load(&self, record: &T) {
        self.values.with_value(|v| {
            for (spec, sig) in self.specs.iter().zip(v) {
                sig.set((spec.read)(record));
            }
        });
    }

    /// Writes every field into `record` (tracking each), collecting what is not a value.
    pub fn build(&self, record: &mut T, violations: &mut Vec<Violation>) {
        self.values.with_value(|v| {
            for (spec, sig) in self.specs.iter().zip(v) {
                (spec.write)(record, &sig.get(), violations);
            }
        });
    }

    /// The markup of the fields from `from` up to and including `to` (keys), in table order.
    pub fn view(&self, from: &str, to: &str, violations: Memo<Vec<Violation>>, is_new: bool, ctx: Ctx) -> AnyView {
        let start = self.specs.iter().position(|s| s.key == from).unwrap_or(0);
        let end = self.specs.iter().position(|s| s.key == to).unwrap_or(self.specs.len().saturating_sub(1));
        let sigs = self.values.get_value();
        self.specs
            .iter()
            .zip(sigs)
            .skip(start)
            .take(end.saturating_add(1).saturating_sub(start))
            .map(|(s, sig)| {
                let id = format!("f-{}", s.key);
                let input = match s.widget {
                    Widget::Text => text_input(id, sig).into_any(),
                    Widget::Area => text_area(id, sig).into_any(),
                    Widget::Select(options) => select(id, sig, options).into_any(),
                    Widget::Name => view! {
                        <input id=id prop:readonly=!is_new prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev)) />
                    }
                    .into_any(),
                    Widget::Cron(fire) => view! { {text_input(id, sig)} {cron_preview(fire, sig, ctx)} }.into_any(),
                };
                field(s.label, s.key, s.unit, s.help, input, violations).into_any()
            })
            .collect_view()
            .into_any()
    }
}

/// A whole number, or a violation naming the field.
pub fn num(v: &mut Vec<Violation>, key: &str, text: &str) -> i64 {
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

/// The trimmed text, or `None` when blank.
pub fn nonblank(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn text_input(id: String, sig: RwSignal<String>) -> impl IntoView {
    view! { <input id=id prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev)) /> }
}

fn text_area(id: String, sig: RwSignal<String>) -> impl IntoView {
    view! { <textarea id=id rows="3" prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))></textarea> }
}

fn select(id: String, sig: RwSignal<String>, options: &'static [&'static str]) -> impl IntoView {
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

pub fn zone(ctx: &Ctx) -> chrono_tz::Tz {
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
pub fn run_windows(start: RwSignal<String>, end: RwSignal<String>, ctx: Ctx) -> impl IntoView {
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
