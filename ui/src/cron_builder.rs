//! The cron builder beside a cron field: every second / minute / hour (every N, between
//! hours), at a time every day or on chosen weekdays, or monthly (a day, the last day, the last
//! weekday, the n-th or last such weekday). Its choices are selects and checkboxes, so it cannot
//! hold a value the model refuses; it writes through `tbdesk_model::cron_builder` (checked by the
//! model's own TBSchedule cron) and shows the next fire times in the root's zone.

use leptos::prelude::*;
use tbdesk_model::cron::fire_times;
use tbdesk_model::cron_builder::{At, Days, MonthDay, Rule, Unit, Weekday, WEEK};

use crate::fields::{zone, zoned};
use crate::state::Ctx;

/// What a builder edits, one signal per part: the rule is computed from them.
#[derive(Clone, Copy)]
struct Parts {
    kind: RwSignal<String>,
    step: RwSignal<u8>,
    hour: RwSignal<u8>,
    minute: RwSignal<u8>,
    second: RwSignal<u8>,
    between: RwSignal<bool>,
    from: RwSignal<u8>,
    to: RwSignal<u8>,
    chosen_days: RwSignal<bool>,
    days: RwSignal<Vec<Weekday>>,
    on: RwSignal<String>,
    dom: RwSignal<u8>,
    nth: RwSignal<u8>,
    weekday: RwSignal<Weekday>,
}

impl Parts {
    fn new(rule: &Rule) -> Parts {
        let p = Parts {
            kind: RwSignal::new("at".into()),
            step: RwSignal::new(5),
            hour: RwSignal::new(9),
            minute: RwSignal::new(0),
            second: RwSignal::new(0),
            between: RwSignal::new(false),
            from: RwSignal::new(9),
            to: RwSignal::new(17),
            chosen_days: RwSignal::new(false),
            days: RwSignal::new(vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]),
            on: RwSignal::new("day".into()),
            dom: RwSignal::new(1),
            nth: RwSignal::new(1),
            weekday: RwSignal::new(Weekday::Mon),
        };
        let set_days = |d: &Days| match d {
            Days::Every => p.chosen_days.set(false),
            Days::Weekdays(w) => {
                p.chosen_days.set(true);
                p.days.set(w.clone());
            }
        };
        let set_at = |a: &At| {
            p.hour.set(a.hour);
            p.minute.set(a.minute);
            p.second.set(a.second);
        };
        match rule {
            Rule::Every { unit, n, minute, second, hours, days } => {
                p.kind.set(
                    match unit {
                        Unit::Second => "second",
                        Unit::Minute => "minute",
                        Unit::Hour => "hour",
                    }
                    .into(),
                );
                p.step.set(*n);
                p.minute.set(*minute);
                p.second.set(*second);
                if let Some((a, b)) = hours {
                    p.between.set(true);
                    p.from.set(*a);
                    p.to.set(*b);
                }
                set_days(days);
            }
            Rule::At { at, days } => {
                set_at(at);
                set_days(days);
            }
            Rule::Monthly { at, on } => {
                p.kind.set("month".into());
                set_at(at);
                match on {
                    MonthDay::Day(d) => p.dom.set(*d),
                    MonthDay::Last => p.on.set("last".into()),
                    MonthDay::LastWeekday => p.on.set("last-weekday".into()),
                    MonthDay::Nth(n, w) => {
                        p.on.set("nth".into());
                        p.nth.set(*n);
                        p.weekday.set(*w);
                    }
                    MonthDay::LastOf(w) => {
                        p.on.set("last-of".into());
                        p.weekday.set(*w);
                    }
                }
            }
        }
        p
    }

    fn rule(&self) -> Rule {
        let days = if self.chosen_days.get() { Days::Weekdays(self.days.get()) } else { Days::Every };
        let at = At { hour: self.hour.get(), minute: self.minute.get(), second: self.second.get() };
        let hours = self.between.get().then(|| (self.from.get(), self.to.get().max(self.from.get())));
        let every = |unit: Unit| {
            let n = self.step.get();
            let n = if unit.steps().contains(&n) { n } else { 1 };
            Rule::Every { unit, n, minute: at.minute, second: at.second, hours, days: days.clone() }
        };
        match self.kind.get().as_str() {
            "second" => every(Unit::Second),
            "minute" => every(Unit::Minute),
            "hour" => every(Unit::Hour),
            "month" => Rule::Monthly {
                at,
                on: match self.on.get().as_str() {
                    "last" => MonthDay::Last,
                    "last-weekday" => MonthDay::LastWeekday,
                    "nth" => MonthDay::Nth(self.nth.get(), self.weekday.get()),
                    "last-of" => MonthDay::LastOf(self.weekday.get()),
                    _ => MonthDay::Day(self.dom.get()),
                },
            },
            _ => Rule::At { at, days },
        }
    }
}

/// A select of numbers `range`, bound to `sig`.
fn number_select(id: &'static str, range: impl Iterator<Item = u8>, sig: RwSignal<u8>, pad: bool) -> impl IntoView {
    let options: Vec<u8> = range.collect();
    view! {
        <select id=id on:change=move |e| { if let Ok(v) = event_target_value(&e).parse() { sig.set(v) } }>
            {options.into_iter().map(|v| {
                let label = if pad { format!("{v:02}") } else { v.to_string() };
                view! { <option value=v.to_string() selected=move || sig.get() == v>{label}</option> }
            }).collect_view()}
        </select>
    }
}

fn weekday_select(id: &'static str, sig: RwSignal<Weekday>) -> impl IntoView {
    view! {
        <select id=id on:change=move |e| {
            let v = event_target_value(&e);
            if let Some(d) = WEEK.iter().copied().find(|d| d.name() == v) { sig.set(d) }
        }>
            {WEEK.iter().map(|d| { let d = *d; view! { <option value=d.name() selected=move || sig.get() == d>{d.name()}</option> } }).collect_view()}
        </select>
    }
}

/// The builder for one cron field (`field`: its key, for element ids), writing into `target`.
/// A `startrun:` prefix in the field is kept.
#[component]
pub fn CronBuilder(field: &'static str, target: RwSignal<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let current = target.get_untracked();
    let prefix = if tbdesk_model::validate::strip_startrun(current.trim()).len() != current.trim().len() {
        "startrun:"
    } else {
        ""
    };
    let existing = tbdesk_model::validate::strip_startrun(current.trim()).trim().to_owned();
    let read = Rule::from_cron(&existing);
    let note = match (&read, existing.is_empty() || existing == "-1") {
        (Some(_), _) => "Read from the field.".to_owned(),
        (None, true) => "The field is empty: start from a rule.".to_owned(),
        (None, false) => format!("\"{existing}\" has no shape this builder knows: using it replaces the field."),
    };
    let parts = Parts::new(&read.unwrap_or_default());
    let rule = Memo::new(move |_| parts.rule());
    let built = Memo::new(move |_| rule.get().to_cron());
    let kind = parts.kind;
    let is = move |k: &'static str| move || kind.get() == k;
    let every = move || matches!(kind.get().as_str(), "second" | "minute" | "hour");
    view! {
        <div class="cron-builder" id=format!("cb-{field}")>
            <p class="muted" id="cb-note">{note}</p>
            <div class="cb-row">
                <select id="cb-kind" on:change=move |e| kind.set(event_target_value(&e))>
                    {[("second", "Every N seconds"), ("minute", "Every N minutes"), ("hour", "Every N hours"), ("at", "At a time (day / week)"), ("month", "Monthly")]
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=move || kind.get() == v>{l}</option> })
                        .collect_view()}
                </select>
                <Show when=every>
                    <label>" every "</label>
                    {move || {
                        let unit = match kind.get().as_str() { "second" => Unit::Second, "minute" => Unit::Minute, _ => Unit::Hour };
                        number_select("cb-step", unit.steps().iter().copied(), parts.step, false)
                    }}
                </Show>
                <Show when=move || matches!(kind.get().as_str(), "at" | "month")>
                    <label>" at "</label>
                    {number_select("cb-hour", 0..=23, parts.hour, true)}":"
                </Show>
                <Show when=move || matches!(kind.get().as_str(), "at" | "month" | "hour")>
                    {move || (kind.get() == "hour").then(|| view! { <label>" at minute "</label> })}
                    {number_select("cb-minute", 0..=59, parts.minute, true)}":"
                </Show>
                <Show when=move || kind.get() != "second">
                    {move || (kind.get() == "minute").then(|| view! { <label>" at second "</label> })}
                    {number_select("cb-second", 0..=59, parts.second, true)}
                </Show>
            </div>
            <Show when=every>
                <div class="cb-row">
                    <label><input type="checkbox" id="cb-between" prop:checked=move || parts.between.get() on:change=move |e| parts.between.set(event_target_checked(&e)) />" only between "</label>
                    {number_select("cb-from", 0..=23, parts.from, true)}":00 and "
                    {move || { let f = parts.from.get(); number_select("cb-to", f..=23, parts.to, true) }}":59"
                </div>
            </Show>
            <Show when=move || kind.get() != "month">
                <div class="cb-row">
                    <label><input type="radio" name=format!("cb-days-{field}") id="cb-every-day" prop:checked=move || !parts.chosen_days.get() on:change=move |_| parts.chosen_days.set(false) />" every day "</label>
                    <label><input type="radio" name=format!("cb-days-{field}") id="cb-on-days" prop:checked=move || parts.chosen_days.get() on:change=move |_| parts.chosen_days.set(true) />" on "</label>
                    {WEEK.iter().map(|d| {
                        let d = *d;
                        view! {
                            <label class="cb-day">
                                <input type="checkbox" id=format!("cb-day-{}", d.name()) prop:disabled=move || !parts.chosen_days.get()
                                    prop:checked=move || parts.days.with(|v| v.contains(&d))
                                    on:change=move |e| {
                                        let on = event_target_checked(&e);
                                        parts.days.update(|v| {
                                            v.retain(|x| *x != d);
                                            if on { v.push(d); v.sort(); }
                                        });
                                    } />
                                {d.name()}
                            </label>
                        }
                    }).collect_view()}
                </div>
            </Show>
            <Show when=is("month")>
                <div class="cb-row">
                    <label>"on "</label>
                    <select id="cb-on" on:change=move |e| parts.on.set(event_target_value(&e))>
                        {[("day", "day"), ("last", "the last day"), ("last-weekday", "the last weekday (MON-FRI)"), ("nth", "the n-th"), ("last-of", "the last")]
                            .into_iter()
                            .map(|(v, l)| view! { <option value=v selected=move || parts.on.get() == v>{l}</option> })
                            .collect_view()}
                    </select>
                    {move || match parts.on.get().as_str() {
                        "day" => number_select("cb-dom", 1..=31, parts.dom, false).into_any(),
                        "nth" => view! { {number_select("cb-nth", 1..=5, parts.nth, false)}{weekday_select("cb-weekday", parts.weekday)} }.into_any(),
                        "last-of" => weekday_select("cb-weekday", parts.weekday).into_any(),
                        _ => ().into_any(),
                    }}
                    <span class="muted">" of every month"</span>
                </div>
            </Show>
            {move || {
                let tz = zone(&ctx);
                match built.get() {
                    Ok(cron) => {
                        let times = fire_times(&cron, tz, crate::browser::now_ms(), 5).times;
                        let value = format!("{prefix}{cron}");
                        view! {
                            <div class="cb-out">
                                <code id="cb-cron">{cron.clone()}</code>
                                <span id="cb-words">{rule.get().describe()}</span>
                                <ol id="cb-next" class="fire-times">{times.into_iter().map(|t| view! { <li data-ms=t.to_string()>{zoned(t, tz)}</li> }).collect_view()}</ol>
                                <button type="button" id="cb-use" on:click=move |_| target.set(value.clone())>"Use this cron"</button>
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="violation error" id="cb-error">{e.to_string()}</p> }.into_any(),
                }
            }}
        </div>
    }
}
