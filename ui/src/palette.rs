//! The command palette (Ctrl+K): one box that reaches every profile, view and action, the task
//! types and strategies of the shown root, and what the other profiles' roots hold (searched by
//! the backend); fuzzy-ranked by the model's scorer; ↑/↓ choose, Enter goes, Escape closes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::search::{fuzzy, HitKind};
use tbdesk_model::wire::ProfileHit;

use crate::api::{self, cmd};
use crate::state::{Ctx, View};

/// Items shown at once.
const SHOWN: usize = 30;

/// Where an item goes.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// A view of the shown profile.
    View(View),
    /// Another profile.
    Profile(String),
    /// A view of a profile (switched to first when it is not the shown one).
    In(String, View),
}

#[derive(Debug, Clone, PartialEq)]
struct Item {
    label: String,
    detail: String,
    target: Target,
}

fn views() -> Vec<(&'static str, View)> {
    vec![
        ("Overview", View::Overview),
        ("New task type", View::TaskType(None)),
        ("New strategy", View::Strategy(None)),
        ("Distribution", View::Distribution(None)),
        ("Timeline of run windows", View::Timeline),
        ("Scheduler", View::Scheduler),
        ("Health", View::Health),
        ("Export / import", View::Transfer),
        ("History", View::History(None)),
        ("Nodes", View::Node(String::new())),
        ("All environments", View::Home),
        ("Add profile", View::NewProfile),
    ]
}

fn hit_item(h: &ProfileHit) -> Option<Item> {
    let hit = h.hit.as_ref()?;
    let (what, view) = match hit.kind {
        HitKind::TaskType => ("task type", View::TaskType(Some(hit.name.clone()))),
        HitKind::Strategy => ("strategy", View::Strategy(Some(hit.name.clone()))),
        HitKind::Domain => ("domain", View::Overview),
        HitKind::Factory => ("factory", View::Overview),
        HitKind::Server => ("server", View::Overview),
    };
    Some(Item {
        label: format!("{} ({what}, {})", hit.name, h.profile),
        detail: format!("{}: {}", hit.field, hit.value),
        target: Target::In(h.profile.clone(), view),
    })
}

#[component]
pub fn Palette(open: RwSignal<bool>, profiles: Signal<Vec<String>>, select: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let query = RwSignal::new(String::new());
    let chosen = RwSignal::new(0usize);
    let remote = RwSignal::new(Vec::<ProfileHit>::new());
    // The other roots are searched when the query settles (300 ms), from two characters on.
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let q = query.get();
        let n = asked.get_value() + 1;
        asked.set_value(n);
        if q.trim().chars().count() < 2 {
            remote.set(Vec::new());
            return;
        }
        spawn_local(async move {
            crate::browser::sleep_ms(300).await;
            if asked.try_get_value() != Some(n) {
                return;
            }
            if let Ok(hits) =
                api::call::<cmd::FindAll>(cmd::QueryArgs { query: q.trim().to_owned(), fuzzy: true }).await
            {
                if asked.try_get_value() == Some(n) {
                    let _ = remote.try_set(hits);
                }
            }
        });
    });
    let items = Memo::new(move |_| {
        let q = query.get();
        let shown = ctx.profile.get();
        let mut all: Vec<Item> = views()
            .into_iter()
            .map(|(label, v)| Item { label: label.to_owned(), detail: "view".into(), target: Target::View(v) })
            .collect();
        all.extend(profiles.get().into_iter().map(|p| Item {
            label: format!("Profile {p}"),
            detail: "switch".into(),
            target: Target::Profile(p),
        }));
        ctx.snap.with(|ev| {
            if let Some(ev) = ev.as_ref() {
                for t in &ev.snapshot.task_types {
                    all.push(Item {
                        label: format!("{} (task type)", t.name),
                        detail: "edit".into(),
                        target: Target::View(View::TaskType(Some(t.name.clone()))),
                    });
                    all.push(Item {
                        label: format!("{} distribution", t.name),
                        detail: "items and servers".into(),
                        target: Target::View(View::Distribution(Some(t.name.clone()))),
                    });
                }
                for s in &ev.snapshot.strategies {
                    all.push(Item {
                        label: format!("{} (strategy)", s.name),
                        detail: "edit".into(),
                        target: Target::View(View::Strategy(Some(s.name.clone()))),
                    });
                }
            }
        });
        all.extend(remote.get().iter().filter(|h| Some(&h.profile) != shown.as_ref()).filter_map(hit_item));
        let mut scored: Vec<(i64, Item)> =
            all.into_iter().filter_map(|i| fuzzy(&q, &i.label).map(|s| (s, i))).collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(SHOWN).map(|(_, i)| i).collect::<Vec<_>>()
    });
    let go = move |item: Item| {
        open.set(false);
        query.set(String::new());
        match item.target {
            Target::View(v) => ctx.view.set(v),
            Target::Profile(p) => select.run(p),
            Target::In(p, v) => {
                if ctx.profile.get_untracked().as_deref() != Some(p.as_str()) {
                    select.run(p);
                }
                ctx.view.set(v);
            }
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = items.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                chosen.update(|c| *c = (*c + 1).min(n.saturating_sub(1)));
            }
            "ArrowUp" => {
                ev.prevent_default();
                chosen.update(|c| *c = c.saturating_sub(1));
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(item) = items.with_untracked(|i| i.get(chosen.get_untracked()).cloned()) {
                    go(item);
                }
            }
            "Escape" => {
                ev.prevent_default();
                open.set(false);
            }
            _ => {}
        }
    };
    Effect::new(move |_| {
        if open.get() {
            request_animation_frame(|| crate::browser::focus("palette-input"));
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class="palette-backdrop" on:click=move |_| open.set(false)></div>
            <div class="palette" id="palette" role="dialog" aria-label="Go to">
                <input id="palette-input" placeholder="Go to a profile, view, task type or strategy (every profile)…"
                    prop:value=move || query.get()
                    on:input=move |ev| { query.set(event_target_value(&ev)); chosen.set(0); }
                    on:keydown=on_key />
                <ul id="palette-results">
                    {move || items.get().into_iter().enumerate().map(|(i, item)| {
                        let label = item.label.clone();
                        let data_label = item.label.clone();
                        let detail = item.detail.clone();
                        let target = item.clone();
                        view! {
                            <li class=move || if chosen.get() == i { "chosen" } else { "" } data-label=data_label
                                on:click=move |_| go(target.clone())>
                                <span>{label}</span><span class="muted">{detail}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}
