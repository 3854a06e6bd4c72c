//! The first-start `local` profile is made once per data directory, never again behind the
//! user's back: listing profiles is a read.

use tbdesk_api::Console;
use tbdesk_model::profile::ProfileFields;

#[tokio::test]
async fn a_user_who_deleted_every_profile_gets_none_made_again() {
    let dir = tempfile::tempdir().expect("dir");
    let console = Console::open(dir.path()).await.expect("console");
    let fields = ProfileFields {
        name: "mine".into(),
        connect: "127.0.0.1:1".into(),
        root_path: "/tbs/mine".into(),
        session_timeout_ms: 60_000,
        digest_user: None,
        color: "none".into(),
        read_only: false,
        local_server: false,
        zone: "UTC".into(),
    };
    console.profiles().create(&fields, None).await.expect("profile");
    let listed = console.profiles_for_ui().await.expect("list");
    assert_eq!(listed.iter().map(|p| p.fields.name.as_str()).collect::<Vec<_>>(), ["mine"]);
    console.delete_profile("mine").await.expect("delete");
    // No local server is started, no root written, no profile made: the list is empty.
    let listed = console.profiles_for_ui().await.expect("list again");
    assert!(listed.is_empty(), "{listed:?}");
    assert!(!tbdesk_zkserver::local_dir(dir.path()).join("pid").exists(), "a local server was started");
    tbdesk_tests::report::record(
        "console correctness",
        "every profile deleted, then the profile list shown again",
        1,
        "stays empty: the first-start local profile is made once per data directory",
    );
}
