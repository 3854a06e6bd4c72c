//! Every profile at a glance: its colour, ZooKeeper, what its root holds, its worst findings,
//! whether it is watched (followed in the background: live figures, alerts) and its latest
//! alerts. The background watch sends the watched profiles' figures every few seconds; every
//! profile's are asked for every 30 s while the home is shown. A click opens the profile; the
//! switches never do.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::wire::{ApiError, ProfileStatus};

use crate::api::{self, cmd};
use crate::state::Ctx;
use crate::widgets::ErrorPanel;

#[component]
pub fn Home(select: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let error = RwSignal::new(None::<ApiError>);
    // Every profile while the home is shown, every 30 s (those not watched are read once each
    // time); the watch's looks replace the watched rows in between. The poll outlives nothing:
    // a flag outside the reactive graph and `try_` calls that are no-ops once the view is gone.
    let alive = crate::widgets::Alive::new();
    spawn_local(async move {
        while alive.get() {
            match api::call::<cmd::StatusAll>(cmd::NoArgs {}).await {
                Ok(list) => {
                    if !alive.get() || ctx.home.try_set(Some(list)).is_some() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = error.try_set(Some(e));
                }
            }
            crate::browser::sleep_ms(30_000).await;
        }
    });
    let switch = move |profile: String, watch: Option<bool>, alerts: Option<bool>| {
        spawn_local(async move {
            match api::call::<cmd::SetWatch>(cmd::SetWatchArgs { profile: profile.clone(), watch, alerts }).await {
                Ok(f) => ctx.home.update(|h| {
                    if let Some(row) = h.iter_mut().flatten().find(|r| r.profile == profile) {
                        (row.watched, row.alerts) = (f.watch, f.alerts);
                    }
                }),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let row = move |s: ProfileStatus| {
        let name = s.profile.clone();
        let findings = match &s.error {
            Some(e) => vec![format!("cannot be read: {e}")],
            None => s.top.iter().map(|f| f.message.clone()).collect(),
        };
        let (w_name, a_name) = (s.profile.clone(), s.profile.clone());
        let watched = s.watched;
        let alerts = s.alerts;
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let counts = [
            plural(s.strategies, "strategy", "strategies"),
            plural(s.task_types, "task type", "task types"),
            plural(s.factories, "factory", "factories"),
            plural(s.live_servers, "live server", "live servers"),
            plural(s.items_without_owner, "item without owner", "items without owner"),
        ]
        .join(" · ");
        view! {
            <div class=format!("home-row card-{}", s.summary.as_str()) data-profile=s.profile.clone() data-summary=s.summary.as_str() data-watched=watched.to_string() on:click=move |_| select.run(name.clone())>
                <div class="home-head">
                    <span class=format!("tag tag-{}", s.color)></span>" "<a class="home-name">{s.profile.clone()}</a>
                    <span class=format!("badge badge-{}", s.summary.as_str())>{s.summary.as_str()}</span>
                </div>
                <div class="muted home-conn">
                    {s.connection.clone()}" · "<span class="mono">{if s.protocol.is_empty() { "ZooKeeper —".to_owned() } else { s.protocol.clone() }}</span>
                </div>
                <div class="home-counts">{counts}</div>
                <div class="muted">{s.changed_ms.map(|ms| format!("last change seen {}", crate::browser::time_of_day(ms))).unwrap_or_else(|| "changes: not watched".into())}</div>
                <ul class="home-findings">{findings.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                <div class="home-switches" on:click=|ev| ev.stop_propagation()>
                    <label title="Follow this root in the background: live figures and alerts (one session, one watch)">
                        <input type="checkbox" class="home-watch" prop:checked=watched on:change=move |ev| switch(w_name.clone(), Some(event_target_checked(&ev)), None) />" watch"
                    </label>
                    <label title="Raise a desktop notification when this root turns red, a task type stops running or a server dies">
                        <input type="checkbox" class="home-alerts" prop:checked=alerts prop:disabled=!watched on:change=move |ev| switch(a_name.clone(), None, Some(event_target_checked(&ev))) />" alerts"
                    </label>
                </div>
            </div>
        }
    };
    view! {
        <div class="home" id="home-view">
            <h3>"All environments"</h3>
            {move || error.get().map(|e| view! { <ErrorPanel err=e /> })}
            {move || {
                let alerts = ctx.alerts.get();
                (!alerts.is_empty()).then(|| view! {
                    <ul class="home-alerts" id="home-alerts">
                        {alerts.into_iter().map(|a| {
                            let open = a.clone();
                            view! {
                                <li class="alert" data-key=a.key.clone() data-profile=a.profile.clone() title="Open what it names" on:click=move |_| crate::app::open_alert(ctx, select, &open)>
                                    <strong>{a.title.clone()}</strong>" "<span class="muted">{a.body.clone()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
            {move || match ctx.home.get() {
                None => view! { <p class="muted">"Reading every profile…"</p> }.into_any(),
                Some(list) => view! {
                    <div id="home-table" class="home-cards">{list.into_iter().map(row).collect_view()}</div>
                }.into_any(),
            }}
        </div>
    }
}
