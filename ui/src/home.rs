//! Every profile at a glance: its colour, ZooKeeper, what its root holds and its worst
//! findings, refreshed every 30 s; a click opens the profile.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::wire::{ApiError, ProfileStatus};

use crate::api::{self, cmd};
use crate::browser;
use crate::widgets::ErrorPanel;

#[component]
pub fn Home(select: Callback<String>) -> impl IntoView {
    let rows = RwSignal::new(None::<Result<Vec<ProfileStatus>, ApiError>>);
    // The poll outlives nothing: a flag outside the reactive graph (a signal read after its
    // owner is disposed panics) and a `try_set` that is a no-op once the view is gone.
    let alive = crate::widgets::Alive::new();
    spawn_local(async move {
        while alive.get() {
            let r = api::call::<cmd::StatusAll>(cmd::NoArgs {}).await;
            if !alive.get() || rows.try_set(Some(r)).is_some() {
                break;
            }
            browser::sleep_ms(30_000).await;
        }
    });
    view! {
        <div class="home" id="home-view">
            <h3>"All environments"</h3>
            {move || match rows.get() {
                None => view! { <p class="muted">"Reading every profile…"</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel err=e /> }.into_any(),
                Some(Ok(list)) => view! {
                    <table id="home-table">
                        <thead><tr><th>"Profile"</th><th>"Health"</th><th>"ZooKeeper"</th><th>"Strategies"</th><th>"Task types"</th><th>"Factories"</th><th>"Servers"</th><th>"Items without owner"</th><th>"Worst findings"</th></tr></thead>
                        <tbody>{list.into_iter().map(|s| {
                            let name = s.profile.clone();
                            let findings = match &s.error {
                                Some(e) => vec![format!("cannot be read: {e}")],
                                None => s.top.iter().map(|f| f.message.clone()).collect(),
                            };
                            view! {
                                <tr class="home-row" data-profile=s.profile.clone() data-summary=s.summary.as_str() on:click=move |_| select.run(name.clone())>
                                    <td><span class=format!("tag tag-{}", s.color)></span>" "<a>{s.profile.clone()}</a></td>
                                    <td><span class=format!("badge badge-{}", s.summary.as_str())>{s.summary.as_str()}</span></td>
                                    <td class="mono">{if s.protocol.is_empty() { "—".to_owned() } else { s.protocol.clone() }}</td>
                                    <td>{s.strategies}</td>
                                    <td>{s.task_types}</td>
                                    <td>{s.factories}</td>
                                    <td>{s.live_servers}</td>
                                    <td>{s.items_without_owner}</td>
                                    <td><ul class="home-findings">{findings.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul></td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }.into_any(),
            }}
        </div>
    }
}
