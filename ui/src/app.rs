//! The shell: profile switcher on the left, the selected profile's root on the right.

use leptos::prelude::*;

use crate::api::{self, ApiError, RootListing};

#[component]
pub fn App() -> impl IntoView {
    let profiles = LocalResource::new(api::list_profiles);
    let (current, set_current) = signal(None::<String>);
    let (selected, set_selected) = signal(None::<String>);
    let listing = LocalResource::new(move || async move {
        match current.get() {
            Some(p) => api::root_listing(&p).await.map(Some),
            None => Ok(None),
        }
    });
    // Pick the first profile once the list arrives.
    Effect::new(move |_| {
        if current.get_untracked().is_none() {
            if let Some(Ok(list)) = profiles.get() {
                if let Some(p) = list.first() {
                    set_current.set(Some(p.name.clone()));
                }
            }
        }
    });

    view! {
        <div class="shell">
            <nav class="profiles">
                <h1 id="title">"tbdesk"</h1>
                <h2>"Profiles"</h2>
                <Suspense fallback=|| view! { <p class="muted">"Loading profiles…"</p> }>
                    {move || profiles.get().map(|r| match r {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No profiles yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul>
                                {list.into_iter().map(|p| {
                                    let name = p.name.clone();
                                    let name2 = p.name.clone();
                                    let is_current = move || current.get().as_deref() == Some(name2.as_str());
                                    view! {
                                        <li>
                                            <button
                                                class="profile"
                                                class:active=is_current
                                                id=format!("profile-{}", p.name)
                                                on:click=move |_| { set_selected.set(None); set_current.set(Some(name.clone())) }
                                            >
                                                <span class=format!("tag tag-{}", p.color)></span>
                                                <span class="pname">{p.name.clone()}</span>
                                                <span class="pconn">{p.connect.clone()}</span>
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel err=e/> }.into_any(),
                    })}
                </Suspense>
            </nav>
            <main>
                <Suspense fallback=|| view! { <p class="muted">"Connecting…"</p> }>
                    {move || listing.get().map(|r| match r {
                        Ok(Some(l)) => view! { <RootView listing=l selected=selected set_selected=set_selected/> }.into_any(),
                        Ok(None) => view! { <p class="muted">"Choose a profile."</p> }.into_any(),
                        Err(e) => view! { <ErrorPanel err=e/> }.into_any(),
                    })}
                </Suspense>
            </main>
        </div>
    }
}

#[component]
fn RootView(
    listing: RootListing,
    selected: ReadSignal<Option<String>>,
    set_selected: WriteSignal<Option<String>>,
) -> impl IntoView {
    let count = listing.children.len();
    view! {
        <header class="root-header">
            <h2 id="root-path">{listing.root.clone()}</h2>
            <span class="muted">{format!("{count} children · profile {}", listing.profile)}</span>
        </header>
        <ul class="children" id="root-children">
            {listing.children.into_iter().map(|c| {
                let c2 = c.clone();
                let c3 = c.clone();
                view! {
                    <li>
                        <button
                            class="child"
                            class:active=move || selected.get().as_deref() == Some(c3.as_str())
                            id=format!("node-{c}")
                            on:click=move |_| set_selected.set(Some(c2.clone()))
                        >{c.clone()}</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <section id="detail" class="detail">
            {move || match selected.get() {
                Some(name) => view! { <p>"Selected node: " <strong id="selected-name">{name}</strong></p> }.into_any(),
                None => view! { <p class="muted">"Select a node to see it here."</p> }.into_any(),
            }}
        </section>
    }
}

/// The one place errors are shown; switches on the stable code, never on the text.
#[component]
fn ErrorPanel(err: ApiError) -> impl IntoView {
    let title = match err.code.as_str() {
        "unreachable" => "ZooKeeper cannot be reached",
        "no_auth" => "Not authorised",
        "no_node" => "The root does not exist",
        "incompatible_root" => "Incompatible TBSchedule root",
        "keyring" => "The system keyring is unavailable",
        _ => "Something went wrong",
    };
    view! {
        <div class="error" role="alert" data-code=err.code.clone()>
            <strong>{title}</strong>
            <p>{err.message}</p>
        </div>
    }
}
