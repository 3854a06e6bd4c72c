//! The run-window timeline: every task type's windows over the next 24 hours or 7 days in the
//! root's zone (`tbdesk_model::timeline`), paused ones grey, "until no data" hatched, a now-line,
//! overlaps with task types of the same bean (or a group the user types) in red. A click on a
//! bar opens the task type. Lanes are drawn for the task types the filter leaves, at most
//! [`MAX_LANES`] at once.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::timeline::{parse_groups, timeline_of, LaneState};
use tbdesk_model::window::BarKind;

use crate::fields::zone;
use crate::state::{Ctx, View};

/// Lanes drawn at once (the filter narrows the rest).
const MAX_LANES: usize = 150;
const LABEL_W: f64 = 190.0;
const PLOT_W: f64 = 820.0;
const LANE_H: f64 = 26.0;
const HOUR: i64 = 3_600_000;

#[component]
pub fn Timeline() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let days = RwSignal::new(1i64);
    let filter = RwSignal::new(String::new());
    let groups_text = RwSignal::new(String::new());
    // The clock moves the picture once a minute (not on every render).
    let now = RwSignal::new(crate::browser::now_ms());
    let alive = crate::widgets::Alive::new();
    spawn_local(async move {
        while alive.get() {
            crate::browser::sleep_ms(60_000).await;
            let _ = now.try_set(crate::browser::now_ms());
        }
    });
    // The lanes are computed again only when a definition or strategy changes (their data
    // versions), the minute turns, or the range or groups change: not on every heartbeat.
    let defs = Memo::new(move |_| {
        ctx.snap.with(|ev| {
            ev.as_ref().map(|ev| {
                let t: Vec<(String, i32)> =
                    ev.snapshot.task_types.iter().map(|t| (t.name.clone(), t.version)).collect();
                let s: Vec<(String, i32)> =
                    ev.snapshot.strategies.iter().map(|s| (s.name.clone(), s.version)).collect();
                (ev.snapshot.root.clone(), t, s)
            })
        })
    });
    // Only the lanes drawn (the filter's first MAX_LANES) and their partners are computed.
    let lanes = Memo::new(move |_| {
        defs.track();
        let tz = zone(&ctx);
        let (t_now, n_days) = (now.get(), days.get());
        let end = t_now + n_days * 24 * HOUR;
        let groups = parse_groups(&groups_text.get());
        let narrow = filter.get().trim().to_lowercase();
        let keep = move |n: &str| narrow.is_empty() || n.to_lowercase().contains(&narrow);
        ctx.snap.with_untracked(|ev| {
            ev.as_ref().map(|ev| {
                (timeline_of(&ev.snapshot, tz, t_now, end, &groups, &keep, MAX_LANES), ev.snapshot.task_types.len())
            })
        })
    });
    view! {
        <div class="timeline-view">
            <div class="toolbar">
                <label><input type="radio" name="tl-range" id="tl-24h" prop:checked=move || days.get() == 1 on:change=move |_| days.set(1) />" next 24 hours "</label>
                <label><input type="radio" name="tl-range" id="tl-7d" prop:checked=move || days.get() == 7 on:change=move |_| days.set(7) />" next 7 days "</label>
                <input id="tl-filter" placeholder="Filter task types" prop:value=move || filter.get() on:input=move |e| filter.set(event_target_value(&e)) />
            </div>
            <div class="toolbar">
                <label for="tl-groups" title="Task types that share a database or another resource: one group per line (or ;), names separated by commas, an optional label: in front. Task types with the same bean are grouped already.">"Also compare "</label>
                <input id="tl-groups" class="wide" placeholder="orders db: OrderSync, InvoiceSync; reports: Daily, Weekly" prop:value=move || groups_text.get() on:input=move |e| groups_text.set(event_target_value(&e)) />
            </div>
            {move || {
                let tz = zone(&ctx);
                let (t_now, n_days) = (now.get(), days.get());
                let start = t_now - if n_days == 1 { HOUR } else { 6 * HOUR };
                let end = t_now + n_days * 24 * HOUR;
                let narrow = filter.get().trim().to_lowercase();
                let Some((shown, total)) = lanes.get() else { return ().into_any() };
                if total == 0 {
                    return view! { <p class="muted empty">"No task type yet."</p> }.into_any();
                }
                let x = move |t: i64| LABEL_W + PLOT_W * ((t - start) as f64 / (end - start) as f64).clamp(0.0, 1.0);
                let height = 34.0 + LANE_H * shown.len() as f64;
                // Ticks: every 3 hours over a day, every midnight over a week, labelled in the
                // zone; each one a fire time of the zone's own clock, so a DST change (a day of
                // 23 or 25 hours) moves no later tick off its hour.
                let tick_cron = if n_days == 1 { "0 0 0/3 * * ?" } else { "0 0 0 * * ?" };
                let count = usize::try_from(n_days * 24 / if n_days == 1 { 3 } else { 24 } + 2).unwrap_or(10);
                let ticks: Vec<i64> = tbdesk_model::cron::fire_times(tick_cron, tz, start, count).times.into_iter().filter(|t| *t <= end).collect();
                let drawn = shown.len();
                let overlaps: usize = shown.iter().map(|l| l.overlaps.len()).sum();
                view! {
                    <p class="muted" id="tl-summary">{format!(
                        "{drawn} of {total} task types · {} in {} · {overlaps} overlap(s) in groups",
                        if n_days == 1 { "next 24 hours" } else { "next 7 days" }, tz.name()
                    )}</p>
                    <svg class="timeline" id="timeline" width=LABEL_W + PLOT_W + 10.0 height=height viewBox=format!("0 0 {} {height}", LABEL_W + PLOT_W + 10.0) data-lanes=drawn data-start=start.to_string() data-end=end.to_string()>
                        <defs>
                            <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                                <rect width="6" height="6" class="hatch-bg"></rect>
                                <line x1="0" y1="0" x2="0" y2="6" class="hatch-line"></line>
                            </pattern>
                        </defs>
                        {ticks.into_iter().map(|t| {
                            let label = tbdesk_model::cron::format_wall(t, tz);
                            let label = if n_days == 1 { label.get(11..16).unwrap_or("").to_owned() } else { label.get(5..10).unwrap_or("").to_owned() };
                            // A label under the now-line's is left out.
                            let clear = (x(t) - x(t_now)).abs() > 30.0;
                            view! {
                                <line class="tick" x1=x(t) x2=x(t) y1="18" y2=height></line>
                                {clear.then(|| view! { <text class="tick-label" x=x(t) y="13" text-anchor="middle">{label}</text> })}
                            }
                        }).collect_view()}
                        {shown.into_iter().enumerate().map(|(i, l)| {
                            let y = 22.0 + LANE_H * i as f64;
                            let state = match l.state { LaneState::Running => "running", LaneState::Paused => "paused", LaneState::NoStrategy => "no-strategy" };
                            let name = l.task_type.clone();
                            let title = match (&l.error, l.state) {
                                (Some(e), _) => format!("{name}: {e}"),
                                (None, LaneState::Paused) => format!("{name}: every strategy running it is paused"),
                                (None, LaneState::NoStrategy) => format!("{name}: no Schedule strategy runs it"),
                                (None, LaneState::Running) => format!("{name}{}", l.bean.as_deref().map(|b| format!(" · bean {b}")).unwrap_or_default()),
                            };
                            let more = l.more;
                            view! {
                                <g class=format!("lane {state}") data-task-type=name.clone() data-bars=l.bars.len() data-overlaps=l.overlaps.len()>
                                    <title>{title}</title>
                                    <text class="lane-label" x="4" y=y + 16.0>{if name.chars().count() > 26 { format!("{}…", name.chars().take(25).collect::<String>()) } else { name.clone() }}</text>
                                    <line class="lane-rule" x1=LABEL_W x2=LABEL_W + PLOT_W y1=y + LANE_H - 2.0 y2=y + LANE_H - 2.0></line>
                                    {l.bars.iter().map(|b| {
                                        let (x0, x1) = (x(b.from), x(b.to));
                                        let kind = match b.kind { BarKind::Window => "bar window", BarKind::UntilNoData => "bar nodata", BarKind::Always => "bar always" };
                                        let open = name.clone();
                                        let tip = format!("{} → {}{}",
                                            tbdesk_model::cron::format_wall(b.from, tz),
                                            tbdesk_model::cron::format_wall(b.to, tz),
                                            match b.kind { BarKind::UntilNoData => " (until a fetch finds no data: drawn to the next start)", BarKind::Always => " (no start cron: always runs)", BarKind::Window => "" });
                                        view! {
                                            <rect class=kind x=x0 y=y + 4.0 width=(x1 - x0).max(1.5) height=LANE_H - 10.0 rx="2"
                                                data-from=b.from.to_string() data-to=b.to.to_string()
                                                on:click=move |_| ctx.view.set(View::TaskType(Some(open.clone())))>
                                                <title>{tip}</title>
                                            </rect>
                                        }
                                    }).collect_view()}
                                    {l.overlaps.iter().map(|(f, t, other)| view! {
                                        <rect class="overlap" x=x(*f) y=y + 2.0 width=(x(*t) - x(*f)).max(1.5) height=LANE_H - 6.0 data-with=other.clone()>
                                            <title>{format!("open together with {other}: {} → {}", tbdesk_model::cron::format_wall(*f, tz), tbdesk_model::cron::format_wall(*t, tz))}</title>
                                        </rect>
                                    }).collect_view()}
                                    {more.then(|| view! { <text class="more" x=LABEL_W + PLOT_W - 4.0 y=y + 16.0 text-anchor="end">"more windows not drawn"</text> })}
                                </g>
                            }
                        }).collect_view()}
                        <line class="now-line" id="tl-now" x1=x(t_now) x2=x(t_now) y1="16" y2=height></line>
                        <text class="now-label" x=x(t_now) y="12" text-anchor="middle">"now"</text>
                    </svg>
                    {(total > drawn && narrow.is_empty()).then(|| view! { <p class="muted">{format!("{} more task types: type to narrow.", total - drawn)}</p> })}
                }.into_any()
            }}
        </div>
    }
}
