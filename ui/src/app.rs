//! The shell: profile switcher on the left; the selected profile's views on the right
//! (overview, task type and strategy forms, distribution); a status bar at the bottom.

use leptos::prelude::*;
use leptos::task::spawn_local;

use tbdesk_model::wire::event;

use crate::api::{self, cmd};
use crate::browser;
use crate::distribution::Distribution;
use crate::forms::{StrategyForm, TaskTypeForm};
use crate::keys;
use crate::overview::Overview;
use crate::state::{show, Ctx, View};
use crate::widgets::ErrorPanel;

/// The main tabs in order: label and element id (Alt+1…9 selects the n-th).
const TABS: [(&str, &str); 10] = [
    ("Overview", "tab-overview"),
    ("Task type", "tab-task-type"),
    ("Strategy", "tab-strategy"),
    ("Distribution", "tab-distribution"),
    ("Timeline", "tab-timeline"),
    ("Scheduler", "tab-scheduler"),
    ("Health", "tab-health"),
    ("Export / import", "tab-transfer"),
    ("History", "tab-history"),
    ("Nodes", "tab-nodes"),
];

/// The view a tab opens.
fn tab_view(i: usize) -> View {
    match i {
        0 => View::Overview,
        1 => View::TaskType(None),
        2 => View::Strategy(None),
        3 => View::Distribution(None),
        4 => View::Timeline,
        5 => View::Scheduler,
        6 => View::Health,
        7 => View::Transfer,
        8 => View::History(None),
        _ => View::Node(String::new()),
    }
}

/// The tab a view belongs to ("why not running?" is part of Health); none for the profile forms.
fn tab_of(view: &View) -> Option<usize> {
    match view {
        View::Overview => Some(0),
        View::TaskType(_) => Some(1),
        View::Strategy(_) => Some(2),
        View::Distribution(_) => Some(3),
        View::Timeline => Some(4),
        View::Scheduler => Some(5),
        View::Health | View::Why(_) => Some(6),
        View::Transfer => Some(7),
        View::History(_) => Some(8),
        View::Node(_) => Some(9),
        View::Home | View::NewProfile | View::EditProfile(_) | View::DuplicateProfile(_) => None,
    }
}

/// The profiles as the backend lists them (re-read when `reload` changes).
type ProfileList = LocalResource<Result<Vec<tbdesk_model::wire::Profile>, tbdesk_model::wire::ApiError>>;

#[component]
pub fn App() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let profiles: ProfileList = LocalResource::new(move || {
        reload.track();
        api::call::<cmd::ListProfiles>(cmd::NoArgs {})
    });
    let ctx = Ctx {
        profile: RwSignal::new(None),
        snap: RwSignal::new(None),
        view: RwSignal::new(View::Overview),
        error: RwSignal::new(None),
        zone: RwSignal::new(browser::local_zone()),
        sched: RwSignal::new(None),
        progress: RwSignal::new(None),
        home: RwSignal::new(None),
        alerts: RwSignal::new(Vec::new()),
    };
    provide_context(ctx);
    // The window says which environment it shows, and a production one says so in capitals
    // (the title is what the task bar and the window switcher show).
    Effect::new(move |_| {
        let shown = ctx.profile.get();
        let kind = shown_profile(profiles, shown.as_deref()).map(|p| p.fields.color);
        let title = match (shown, kind.as_deref()) {
            (Some(p), Some("production")) => format!("PRODUCTION · {p} — tbdesk"),
            (Some(p), _) => format!("{p} — tbdesk"),
            (None, _) => "tbdesk".to_owned(),
        };
        browser::set_title(&title);
    });
    follow_events(ctx);
    poll_scheduler(ctx);
    let select = selector(ctx);
    open_alerts(ctx, select);
    // Every cron judgment of the shown profile uses its zone (the zone of its Java
    // schedulers); a profile without one uses this machine's. A changed zone re-evaluates the
    // open form and the diagnosis live (they read ctx.zone).
    Effect::new(move |_| {
        let zone = shown_profile(profiles, ctx.profile.get().as_deref())
            .map(|p| p.fields.zone)
            .filter(|z| tbdesk_model::cron::parse_zone(z).is_some())
            .unwrap_or_else(browser::local_zone);
        if ctx.zone.get_untracked() != zone {
            ctx.zone.set(zone);
        }
    });
    // On start: the profile shown last time, else the first.
    let last = LocalResource::new(|| api::call::<cmd::LastProfile>(cmd::NoArgs {}));
    Effect::new(move |_| {
        if ctx.profile.get_untracked().is_none() {
            if let (Some(Ok(list)), Some(last)) = (profiles.get(), last.get()) {
                let want = last.ok().flatten();
                let pick = list.iter().find(|p| Some(&p.fields.name) == want.as_ref()).or(list.first());
                if let Some(p) = pick {
                    select.run(p.fields.name.clone());
                }
            }
        }
    });
    let palette = RwSignal::new(false);
    shortcuts(ctx, profiles, select, palette);
    let names = Signal::derive(move || {
        profiles.get().and_then(|r| r.ok()).map(|l| l.into_iter().map(|p| p.fields.name).collect()).unwrap_or_default()
    });
    view! {
        <div class="shell">
            <Sidebar profiles=profiles reload=reload select=select />
            <MainPane profiles=profiles reload=reload select=select />
            <StatusBar profiles=profiles />
            <crate::palette::Palette open=palette profiles=names select=select />
        </div>
    }
}

/// Opens what an alert names: its profile and, when it names one, its task type (a clicked
/// desktop notification, or a line of the home's alert list).
pub fn open_alert(ctx: Ctx, select: Callback<String>, a: &tbdesk_model::alerts::Alert) {
    if ctx.profile.get_untracked().as_deref() != Some(a.profile.as_str()) {
        select.run(a.profile.clone());
    }
    match &a.task_type {
        Some(t) => ctx.view.set(View::TaskType(Some(tbdesk_model::names::TaskTypeName::parse(t).base))),
        None => ctx.view.set(View::Health),
    }
}

/// A clicked desktop notification opens what it names.
fn open_alerts(ctx: Ctx, select: Callback<String>) {
    api::on::<event::OpenAlert>(move |a| open_alert(ctx, select, &a));
}

/// Every live state of the shown profile replaces the one shown; its first read's progress is
/// shown while it loads.
fn follow_events(ctx: Ctx) {
    api::on::<event::Watched>(move |look| {
        // Only watched profiles are in a look: their rows are replaced, the others kept.
        ctx.home.update(|h| {
            let rows = h.get_or_insert_with(Vec::new);
            for st in look.home {
                match rows.iter_mut().find(|r| r.profile == st.profile) {
                    Some(r) => *r = st,
                    None => rows.push(st),
                }
            }
        });
        if !look.alerts.is_empty() {
            ctx.alerts.update(|a| {
                a.splice(0..0, look.alerts);
                a.truncate(crate::state::MAX_ALERTS);
            });
        }
    });
    api::on::<event::LoadProgress>(move |p| {
        if ctx.profile.get_untracked().as_deref() == Some(p.profile.as_str()) && ctx.snap.get_untracked().is_none() {
            ctx.progress.set(Some((p.done, p.total)));
        }
    });
    // A notice for the shown profile fetches its state; notices arriving while a fetch is
    // under way fold into one more fetch when it ends.
    let fetching = StoredValue::new((false, false)); // (in flight, another one wanted)
    api::on::<event::Snapshot>(move |n| {
        let shown = ctx.profile.get_untracked();
        if shown.as_deref() != Some(n.profile.as_str()) {
            return;
        }
        if fetching.get_value().0 {
            fetching.update_value(|f| f.1 = true);
            return;
        }
        fetching.set_value((true, false));
        spawn_local(async move {
            loop {
                // The profile shown now: a notice folded into this loop may be another's.
                if let Some(profile) = ctx.profile.get_untracked() {
                    refresh(ctx, profile).await;
                }
                let again = fetching.get_value().1;
                fetching.set_value((again, false));
                if !again {
                    break;
                }
            }
        });
    });
}

/// Fetches what changed in `profile` since the state shown (only the changed strategies and
/// task types travel), or the whole state when the delta does not apply to what is shown.
async fn refresh(ctx: Ctx, profile: String) {
    let shown =
        ctx.snap.with_untracked(|s| s.as_ref().filter(|s| *s.profile == *profile).map(|s| (s.follower, s.generation)));
    let Ok(delta) = api::call::<cmd::SnapshotSince>(cmd::SinceArgs { profile: profile.clone(), shown }).await else {
        return;
    };
    match ctx.snap.with_untracked(|s| delta.apply(s.as_ref())) {
        Some(ev) => show(ctx, ev),
        None => {
            let whole = cmd::SinceArgs { profile, shown: None };
            if let Ok(delta) = api::call::<cmd::SnapshotSince>(whole).await {
                if let Some(ev) = delta.apply(None) {
                    show(ctx, ev);
                }
            }
        }
    }
}

/// The local scheduler's state, once a second.
fn poll_scheduler(ctx: Ctx) {
    spawn_local(async move {
        loop {
            if let Ok(v) = api::call::<cmd::SchedulerStatus>(cmd::NoArgs {}).await {
                if ctx.sched.get_untracked() != v {
                    ctx.sched.set(v);
                }
            }
            browser::sleep_ms(1000).await;
        }
    });
}

/// Selecting a profile: each profile keeps its own view (tab) when switching back and forth;
/// the new one is followed.
fn selector(ctx: Ctx) -> Callback<String> {
    let views = StoredValue::new(std::collections::HashMap::<String, View>::new());
    Callback::new(move |name: String| {
        if let Some(old) = ctx.profile.get_untracked() {
            let v = ctx.view.get_untracked();
            views.update_value(|m| {
                m.insert(old, v);
            });
        }
        let restored = views.with_value(|m| m.get(&name).cloned()).unwrap_or(View::Overview);
        let restored = match restored {
            View::Home | View::NewProfile | View::EditProfile(_) | View::DuplicateProfile(_) => View::Overview,
            v => v,
        };
        ctx.view.set(restored);
        ctx.profile.set(Some(name.clone()));
        ctx.snap.set(None);
        ctx.progress.set(None);
        ctx.error.set(None);
        spawn_local(async move {
            match api::call::<cmd::FollowProfile>(cmd::ProfileArg { profile: name.clone() }).await {
                Ok(ev) => show(ctx, ev),
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    })
}

/// Keyboard: Ctrl+K the command palette, Ctrl+1…9 the n-th profile, Alt+1…9 the n-th tab, ←/→/Home/End between tabs
/// when one has the focus, "/" the overview's filter. Ctrl+R re-reads nothing (live), so it
/// is left alone.
fn shortcuts(ctx: Ctx, profiles: ProfileList, select: Callback<String>, palette: RwSignal<bool>) {
    keys::on_keydown(move |k| {
        let digit = k.key.parse::<usize>().ok().filter(|n| (1..=9).contains(n));
        if k.ctrl && !k.alt && k.key.eq_ignore_ascii_case("k") {
            palette.update(|o| *o = !*o);
            return true;
        }
        if k.ctrl && !k.alt {
            if let (Some(n), Some(Ok(list))) = (digit, profiles.get_untracked()) {
                if let Some(p) = list.get(n - 1) {
                    select.run(p.fields.name.clone());
                    return true;
                }
            }
            return false;
        }
        if k.alt && !k.ctrl {
            if let Some(n) = digit.filter(|n| *n <= TABS.len()) {
                ctx.view.set(tab_view(n - 1));
                return true;
            }
            return false;
        }
        if let Some(i) = k.focused.as_deref().and_then(|id| TABS.iter().position(|t| t.1 == id)) {
            let to = match k.key.as_str() {
                "ArrowRight" => Some((i + 1) % TABS.len()),
                "ArrowLeft" => Some((i + TABS.len() - 1) % TABS.len()),
                "Home" => Some(0),
                "End" => Some(TABS.len() - 1),
                _ => None,
            };
            if let Some(to) = to {
                ctx.view.set(tab_view(to));
                browser::focus(TABS[to].1);
                return true;
            }
        }
        let form_open = matches!(
            ctx.view.get_untracked(),
            View::TaskType(_) | View::Strategy(_) | View::NewProfile | View::EditProfile(_) | View::DuplicateProfile(_)
        );
        if k.key == "/" && !k.in_field && !form_open {
            ctx.view.set(View::Overview);
            request_animation_frame(|| browser::focus("filter"));
            return true;
        }
        false
    });
}

/// The profile switcher, the theme and the shortcuts.
#[component]
fn Sidebar(profiles: ProfileList, reload: RwSignal<u32>, select: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let theme = RwSignal::new(browser::theme());
    browser::set_theme(&theme.get_untracked());
    view! {
        <nav class="profiles">
            <h1 id="title">"tbdesk"</h1>
            <h2>"Profiles"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading profiles…"</p> }>
                {move || {
                    profiles
                        .get()
                        .map(|r| match r {
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No profiles yet."</p> }.into_any(),
                            Ok(list) => {
                                view! {
                                    <ul>
                                        {list
                                            .into_iter()
                                            .map(|p| {
                                                let name = p.fields.name.clone();
                                                let name2 = p.fields.name.clone();
                                                let name3 = p.fields.name.clone();
                                                let color = p.fields.color.clone();
                                                let is_current = move || ctx.profile.get().as_deref() == Some(name2.as_str());
                                                view! {
                                                    <li>
                                                        <button
                                                            class="profile"
                                                            class:active=is_current
                                                            id=format!("profile-{}", p.fields.name)
                                                            on:click=move |_| select.run(name.clone())
                                                        >
                                                            <span class=format!("tag tag-{}", p.fields.color)></span>
                                                            <span class="pname">{p.fields.name.clone()}</span>
                                                            <span class="pconn">{format!("{} {}", p.fields.connect, p.fields.root_path)}</span>
                                                        </button>
                                                        <button
                                                            class="small edit"
                                                            id=format!("edit-profile-{}", p.fields.name)
                                                            title="Edit this profile"
                                                            on:click={
                                                                let n = p.fields.name.clone();
                                                                move |_| ctx.view.set(View::EditProfile(n.clone()))
                                                            }
                                                        >
                                                            "✎"
                                                        </button>
                                                        <button
                                                            class="small edit"
                                                            id=format!("duplicate-profile-{}", p.fields.name)
                                                            title="Duplicate this profile"
                                                            on:click={
                                                                let n = p.fields.name.clone();
                                                                move |_| ctx.view.set(View::DuplicateProfile(n.clone()))
                                                            }
                                                        >
                                                            <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
                                                                <rect x="0.5" y="3.5" width="8" height="8" fill="none" stroke="currentColor"></rect>
                                                                <rect x="3.5" y="0.5" width="8" height="8" fill="none" stroke="currentColor"></rect>
                                                            </svg>
                                                        </button>
                                                        <button
                                                            class="small delete"
                                                            id=format!("delete-profile-{}", p.fields.name)
                                                            title="Delete this profile"
                                                            on:click=move |_| {
                                                                let n = name3.clone();
                                                                crate::profiles::delete_profile(ctx, n.clone(), color.clone(), move || {
                                                                    if ctx.profile.get_untracked().as_deref() == Some(n.as_str()) {
                                                                        ctx.profile.set(None);
                                                                        ctx.snap.set(None);
                                                                    }
                                                                    reload.update(|r| *r += 1);
                                                                });
                                                            }
                                                        >
                                                            "×"
                                                        </button>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                            Err(e) => view! { <ErrorPanel err=e /> }.into_any(),
                        })
                }}
            </Suspense>
            <button id="add-profile" class="add" on:click=move |_| ctx.view.set(View::NewProfile)>"+ Add profile"</button>
            <button id="home" class="add" title="Every profile at a glance" on:click=move |_| ctx.view.set(View::Home)>"All environments"</button>
            <button id="theme" class="theme" on:click=move |_| {
                let next = match theme.get_untracked().as_str() {
                    "" => "dark",
                    "dark" => "light",
                    _ => "",
                };
                browser::set_theme(next);
                theme.set(next.to_owned());
            }>
                {move || match theme.get().as_str() {
                    "dark" => "Theme: dark",
                    "light" => "Theme: light",
                    _ => "Theme: system",
                }}
            </button>
            <dl class="keys" id="keys" aria-label="Keyboard shortcuts">
                <dt>"Ctrl+1…9"</dt><dd>"profile"</dd>
                <dt>"Alt+1…9"</dt><dd>"view"</dd>
                <dt>"Ctrl+K"</dt><dd>"go to anything"</dd>
                <dt>"← →"</dt><dd>"between views"</dd>
                <dt>"/"</dt><dd>"filter"</dd>
            </dl>
        </nav>
    }
}

/// The tabs and the selected profile's view. Views are rebuilt when the connection or the view
/// changes, not on every snapshot: a live update must never reset a form being typed into.
#[component]
fn MainPane(profiles: ProfileList, reload: RwSignal<u32>, select: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let connected = Memo::new(move |_| ctx.snap.with(|s| s.is_some()));
    let tab = move |i: usize| {
        let (label, id) = TABS[i];
        let selected = move || tab_of(&ctx.view.get()) == Some(i);
        view! {
            <button
                id=id
                class="tab"
                role="tab"
                class:active=selected
                aria-selected=move || selected().to_string()
                tabindex=move || {
                    let none_selected = tab_of(&ctx.view.get()).is_none();
                    if selected() || (i == 0 && none_selected) { "0" } else { "-1" }
                }
                title=format!("{label} (Alt+{})", i + 1)
                on:click=move |_| ctx.view.set(tab_view(i))
            >
                {label}
            </button>
        }
    };

    view! {
        <main>
            <div class="tabs" role="tablist" aria-label="Views">
                {(0..TABS.len()).map(tab).collect_view()}
            </div>
            {move || ctx.error.get().map(|e| view! { <ErrorPanel err=e /> })}
            {move || match (connected.get(), ctx.view.get()) {
                (_, View::Home) => view! { <crate::home::Home select=select /> }.into_any(),
                (_, v @ (View::NewProfile | View::EditProfile(_) | View::DuplicateProfile(_))) => {
                    let saved = Callback::new(move |name: String| {
                        reload.update(|r| *r += 1);
                        ctx.view.set(View::Overview);
                        ctx.profile.set(None);
                        select.run(name);
                    });
                    let mode = match v {
                        View::EditProfile(n) => crate::profiles::Mode::Edit(n),
                        View::DuplicateProfile(n) => crate::profiles::Mode::Duplicate(n),
                        _ => crate::profiles::Mode::New,
                    };
                    view! { <crate::profiles::ProfileForm mode=mode on_saved=saved /> }.into_any()
                }
                (false, _) => {
                    if ctx.error.get().is_none() {
                        view! {
                            <p class="muted" id="connecting">"Connecting…"</p>
                            {move || ctx.progress.get().map(|(done, total)| view! {
                                <progress id="load-progress" max=total.max(1) value=done></progress>
                                <span class="muted">{format!(" {done} / {total} nodes read")}</span>
                            })}
                        }.into_any()
                    } else {
                        ().into_any()
                    }
                }
                (true, View::Overview) => view! { <Overview /> }.into_any(),
                (true, View::TaskType(name)) => view! { <TaskTypeForm name=name /> }.into_any(),
                (true, View::Strategy(name)) => view! { <StrategyForm name=name /> }.into_any(),
                (true, View::Distribution(name)) => view! { <Distribution name=name /> }.into_any(),
                (true, View::Timeline) => view! { <crate::timeline::Timeline /> }.into_any(),
                (true, View::Scheduler) => view! { <crate::scheduler::SchedulerPanel /> }.into_any(),
                (true, View::Health) => view! { <crate::health::Health /> }.into_any(),
                (true, View::Why(name)) => view! { <crate::health::Why name=name /> }.into_any(),
                (true, View::History(object)) => view! { <crate::history::History object=object /> }.into_any(),
                (true, View::Node(path)) => view! { <crate::history::Inspector path=path /> }.into_any(),
                (true, View::Transfer) => {
                    let names: Vec<String> = profiles.get_untracked().and_then(|r| r.ok()).map(|l| l.into_iter().map(|p| p.fields.name).collect()).unwrap_or_default();
                    view! { <crate::transfer::Transfer profiles=names /> }.into_any()
                }
            }}
        </main>
    }
}

/// The profile shown, from the (tracked) profile list.
fn shown_profile(profiles: ProfileList, shown: Option<&str>) -> Option<tbdesk_model::wire::Profile> {
    profiles.get().and_then(|r| r.ok()).and_then(|l| l.into_iter().find(|p| Some(p.fields.name.as_str()) == shown))
}

/// A production profile's write lock: locked by default (the backend refuses its writes),
/// unlocked for 15 minutes once its name is typed, locked again by a click or by time.
#[component]
fn ProductionLock(profiles: ProfileList) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Production, or pointing at a production profile's root (the backend guards both alike).
    let production = Memo::new(move |_| {
        let Some(p) = shown_profile(profiles, ctx.profile.get().as_deref()) else { return false };
        let list = profiles.get().and_then(|r| r.ok()).unwrap_or_default();
        p.fields.color == "production"
            || (!p.fields.read_only
                && list.iter().any(|o| o.fields.color == "production" && o.fields.same_root(&p.fields)))
    });
    let left = RwSignal::new(None::<u64>);
    // The backend decides; the bar asks it every 5 s (and counts down between).
    let alive = crate::widgets::Alive::new();
    spawn_local(async move {
        loop {
            if !alive.get() {
                break;
            }
            if let Some(profile) = ctx.profile.try_get_untracked().flatten() {
                if let Ok(v) = api::call::<cmd::WriteLock>(cmd::ProfileArg { profile }).await {
                    let _ = left.try_set(v);
                }
            }
            browser::sleep_ms(5000).await;
        }
    });
    let set = move |minutes: u32| {
        let Some(profile) = ctx.profile.get_untracked() else { return };
        let typed = if minutes == 0 {
            String::new()
        } else {
            match browser::prompt(&format!(
                "Type the profile name \"{profile}\" to unlock its writes for {minutes} minutes"
            )) {
                Some(t) => t,
                None => return,
            }
        };
        spawn_local(async move {
            match api::call::<cmd::UnlockWrites>(cmd::UnlockArgs { profile, typed, minutes }).await {
                Ok(v) => left.set(v),
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    view! {
        <Show when=move || production.get()>
            {move || match left.get() {
                None => view! {
                    <span id="prod-lock" class="prod locked">"PRODUCTION · writes locked"</span>
                    <button class="small" id="unlock-writes" on:click=move |_| set(15)>"Unlock 15 min"</button>
                }.into_any(),
                Some(s) => view! {
                    <span id="prod-lock" class="prod unlocked">{format!("PRODUCTION · writes unlocked ({} min left)", s.div_ceil(60))}</span>
                    <button class="small" id="lock-writes" on:click=move |_| set(0)>"Lock now"</button>
                }.into_any(),
            }}
        </Show>
    }
}

/// Connection state, ZooKeeper version, root and size, the zone crons are judged in.
#[component]
fn StatusBar(profiles: ProfileList) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <footer class="status" id="status" data-kind=move || {
            shown_profile(profiles, ctx.profile.get().as_deref()).map(|p| p.fields.color).unwrap_or_default()
        }>
            <ProductionLock profiles=profiles />
            {move || match ctx.snap.with(|s| s.as_ref().map(|ev| (ev.status.key(), ev.status.words(), ev.server_version.as_deref().unwrap_or("?").to_owned(), format!("{} · {} nodes", ev.snapshot.root, ev.snapshot.nodes), ev.read_only))) {
                Some((key, words, version, root, read_only)) => {
                    view! {
                        <span id="status-state" class=format!("state state-{key}")>
                            {words}
                        </span>
                        <span>{format!("ZooKeeper {version}")}</span>
                        <span>{root}</span>
                        <span id="status-zone" title="the zone this root's Java schedulers run in: every cron, run window and \"why not running?\" is judged in it">{format!("crons in {}", ctx.zone.get())}</span>
                        <span>{if read_only { "read-only" } else { "" }}</span>
                    }
                        .into_any()
                }
                None => view! { <span>"not connected"</span> }.into_any(),
            }}
        </footer>
    }
}
