//! The real tbdesk window, started by tauri-driver (which proxies to WebKitWebDriver) and driven
//! with fantoccini. Needs an X display: the test command runs under `xvfb-run -a`.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// A WebDriver session on a running app; the driver (and with it the app) is killed on drop.
pub struct AppSession {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
}

impl Drop for AppSession {
    /// Kills the driver's whole process group: tauri-driver, WebKitWebDriver and the app.
    fn drop(&mut self) {
        // SAFETY: kill(2) on a process group we created; no memory is involved.
        unsafe {
            libc::kill(-(self.driver.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

impl AppSession {
    /// Starts tauri-driver and opens the app with its state in `data_dir`.
    pub async fn start(app: &Path, data_dir: &Path) -> AppSession {
        Self::start_with_env(app, data_dir, &[]).await
    }

    /// [`AppSession::start`] with extra environment for the app (e.g. `TZ`).
    pub async fn start_with_env(app: &Path, data_dir: &Path, env: &[(&str, &str)]) -> AppSession {
        assert!(std::env::var_os("DISPLAY").is_some(), "GUI tests need a display: run under xvfb-run -a");
        let port = free_port();
        let native = free_port();
        use std::os::unix::process::CommandExt;
        let driver = Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()))
            .process_group(0)
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("TBDESK_DATA_DIR", data_dir)
            .env("TBDESK_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            // The app's log (through the driver) goes next to its data, so tests can read it.
            .stderr(
                std::fs::File::options()
                    .create(true)
                    .append(true)
                    .open(data_dir.join("app.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::inherit()),
            )
            .spawn()
            .expect("spawn tauri-driver (run scripts/setup)");
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t0.elapsed() < Duration::from_secs(20), "tauri-driver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), serde_json::json!({ "application": app }));
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("new WebDriver session");
        AppSession { client, driver }
    }

    /// Waits (up to 30 s) until the element matching `css` exists and its text satisfies `pred`.
    pub async fn wait_text(&self, css: &str, pred: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        let mut last = None;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if pred(&t) {
                        return t;
                    }
                    last = Some(t);
                }
            }
            if t0.elapsed() > Duration::from_secs(30) {
                let body = self.body_text().await;
                panic!("timeout waiting for {css} (last text {last:?}); page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The page's visible text, for failure messages.
    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(e) => format!("<no body: {e}>"),
        }
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.wait_text(css, |_| true).await;
        let el = self.client.find(Locator::Css(css)).await.expect("element to click");
        // WebKitWebDriver's own scrolling can leave an element at the very edge of a scrolled
        // pane and then refuse it as "not interactable": bring it to the middle first, as a
        // person would.
        if let Ok(arg) = serde_json::to_value(&el) {
            let _ = self
                .client
                .execute("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});", vec![arg])
                .await;
        }
        el.click().await.expect("click");
    }

    /// Sets an input's value as typing would: the value, then an `input` event (what the
    /// leptos handlers listen to).
    pub async fn fill(&self, css: &str, value: &str) {
        self.wait_text(css, |_| true).await;
        let el = self.client.find(Locator::Css(css)).await.expect("element to fill");
        let arg = serde_json::to_value(&el).expect("element ref");
        self.client
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true})); \
                 arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![arg, serde_json::Value::String(value.to_owned())],
            )
            .await
            .expect("fill");
    }

    /// Waits (up to 5 s) until a DOM property of `css` has `value`.
    pub async fn wait_prop(&self, css: &str, name: &str, value: serde_json::Value) {
        for _ in 0..50 {
            if self.prop(css, name).await == value {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css}.{name} never became {value}; page says:\n{}", self.body_text().await);
    }

    /// Whether the element matching `css` exists now.
    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Waits until an element matching `css` exists (up to 30 s).
    pub async fn wait_for(&self, css: &str) {
        let t0 = Instant::now();
        while !self.exists(css).await {
            if t0.elapsed() > Duration::from_secs(30) {
                let body = self.body_text().await;
                panic!("timeout waiting for {css}; page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A DOM property of the element matching `css` (e.g. `disabled`), as JSON.
    pub async fn prop(&self, css: &str, name: &str) -> serde_json::Value {
        let el = self.client.find(Locator::Css(css)).await.expect("element");
        let arg = serde_json::to_value(&el).expect("element ref");
        self.client
            .execute("return arguments[0][arguments[1]];", vec![arg, serde_json::Value::String(name.into())])
            .await
            .expect("prop")
    }

    /// Saves a PNG screenshot of the window as `<target>/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        // WebKitGTK answers a screenshot after its next paint; with software compositing (the
        // app's default) an idle page may never paint again, so keep a 1-pixel change going.
        let _ = self
            .client
            .execute(
                "if (!window.__shotTick) { const d = document.createElement('div');
                   d.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none';
                   document.body.appendChild(d); window.__shotDot = d; let n = 0;
                   window.__shotTick = setInterval(() => { d.style.opacity = (n++ % 2) ? '0.01' : '0.02'; }, 50); }",
                vec![],
            )
            .await;
        let png = match tokio::time::timeout(Duration::from_secs(30), self.client.screenshot()).await {
            Ok(shot) => shot.expect("screenshot"),
            Err(_) => panic!("screenshot {name}: no answer from WebDriver in 30 s"),
        };
        let _ = self
            .client
            .execute("if (window.__shotTick) { clearInterval(window.__shotTick); window.__shotTick = null; window.__shotDot.remove(); }", vec![])
            .await;
        let path = crate::bins::screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Presses a chord on the real keyboard (WebDriver key actions): every key goes down in
    /// order, then up in reverse, e.g. `&[Key::Alt.into(), '2']`.
    pub async fn press(&self, chord: &[char]) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut keys = KeyActions::new("keyboard".into());
        for k in chord {
            keys = keys.then(KeyAction::Down { value: *k });
        }
        for k in chord.iter().rev() {
            keys = keys.then(KeyAction::Up { value: *k });
        }
        self.client.perform_actions(keys).await.expect("key actions");
        let _ = self.client.release_actions().await;
    }

    /// The id of the element that has the keyboard focus.
    pub async fn focused_id(&self) -> String {
        let v = self.client.execute("return document.activeElement && document.activeElement.id;", vec![]).await;
        v.ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    /// Ends the WebDriver session (closes the app).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// Adds a profile (no password) to the app state in `data_dir`, as a user would have.
pub async fn add_profile(data_dir: &Path, name: &str, connect: &str, root: &str, color: &str, read_only: bool) {
    add_profile_in_zone(data_dir, name, connect, root, color, read_only, "").await
}

/// [`add_profile`] whose root's Java schedulers run in `zone` ('' = this machine's).
pub async fn add_profile_in_zone(
    data_dir: &Path,
    name: &str,
    connect: &str,
    root: &str,
    color: &str,
    read_only: bool,
    zone: &str,
) {
    let profiles = tbdesk_profiles::Profiles::open(&data_dir.join("profiles.sqlite")).await.expect("profile database");
    let fields = tbdesk_profiles::ProfileFields {
        name: name.into(),
        connect: connect.into(),
        root_path: root.into(),
        session_timeout_ms: 30_000,
        digest_user: None,
        color: color.into(),
        read_only,
        local_server: false,
        zone: zone.into(),
    };
    profiles.create(&fields, None).await.expect("create profile");
}
