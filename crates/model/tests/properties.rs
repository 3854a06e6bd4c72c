//! Property tests of the distribution functions, and fuzzing (proptest, many cases) of every
//! parser: no panic, no hang, a clear error.

use proptest::prelude::*;
use tbdesk_model::cron::{fire_times, CronExpr};
use tbdesk_model::distribution::{assign_items, leader_pass, release, ItemOwner, JavaVersion};
use tbdesk_model::items::{check_items, parse_item, split_task_items};
use tbdesk_model::records::{ConfigNode, Server, Strategy, StrategyRuntime, TaskType};
use tbdesk_model::validate;

#[test]
fn report() {
    tbdesk_test_support::report::record(
        "bad input",
        "random bytes and JSON-shaped blobs for every record; task item lists; cron strings (proptest)",
        5 * 2048,
        "no panic or hang; a clear decode error or a value that re-encodes",
    );
}

fn servers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("T$10.0.0.1$U{i}$00000000{:02}", i * 7 % 100)).collect()
}

fn fresh(ids: &[String]) -> Vec<ItemOwner> {
    ids.iter().map(|i| ItemOwner { id: i.clone(), cur_server: None, req_server: None }).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn shares_differ_by_at_most_one(n in 1usize..12, k in 0usize..60) {
        let ids: Vec<String> = (0..k).map(|i| i.to_string()).collect();
        let sv = servers(n);
        let plan = assign_items(&sv, &fresh(&ids), 0, JavaVersion::V3_3);
        let counts: Vec<usize> = sv.iter().map(|s| plan.targets.iter().filter(|(_, t)| t == s).count()).collect();
        let (min, max) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
        prop_assert!(max - min <= 1, "{counts:?}");
        prop_assert_eq!(plan.targets.len(), k);
    }

    #[test]
    fn independent_of_input_order(n in 1usize..8, k in 0usize..40, seed in any::<u64>()) {
        let ids: Vec<String> = (0..k).map(|i| format!("{}", i * 3)).collect();
        let sv = servers(n);
        let a = assign_items(&sv, &fresh(&ids), 0, JavaVersion::V3_3);
        let mut ids2 = ids.clone();
        let mut sv2 = sv.clone();
        // deterministic shuffle from the seed
        let mut x = seed | 1;
        for i in (1..ids2.len()).rev() { x ^= x << 13; x ^= x >> 7; x ^= x << 17; ids2.swap(i, (x % (i as u64 + 1)) as usize); }
        for i in (1..sv2.len()).rev() { x ^= x << 13; x ^= x >> 7; x ^= x << 17; sv2.swap(i, (x % (i as u64 + 1)) as usize); }
        let b = assign_items(&sv2, &fresh(&ids2), 0, JavaVersion::V3_3);
        prop_assert_eq!(a.targets, b.targets);
    }

    #[test]
    fn handovers_converge_with_one_owner_per_item(n1 in 1usize..6, n2 in 1usize..6, k in 1usize..30) {
        let ids: Vec<String> = (0..k).map(|i| i.to_string()).collect();
        let first = servers(n1);
        let mut state = assign_items(&first, &fresh(&ids), 0, JavaVersion::V3_3).apply(&fresh(&ids));
        // the membership changes: some servers leave, new ones join
        let second: Vec<String> = servers(n1 + n2).into_iter().skip(n1 / 2).collect();
        for _round in 0..4 {
            state = leader_pass(&second, &state, 0, JavaVersion::V3_3).apply(&state);
            for s in &second {
                state = release(s, &state).apply(&state);
            }
            // every item has exactly one owner field, and a live one after the first pass
            for it in &state {
                prop_assert!(it.cur_server.as_ref().is_some_and(|c| second.contains(c)), "{it:?}");
            }
        }
        let target = assign_items(&second, &state, 0, JavaVersion::V3_3);
        prop_assert!(target.writes.is_empty(), "not converged: {:?}", target.writes);
        prop_assert!(state.iter().all(|i| i.req_server.is_none()));
    }

    #[test]
    fn cron_never_panics_or_hangs(expr in "[0-9*/?,LW#A-Z -]{0,30}", from in 0i64..4_000_000_000_000) {
        let _ = CronExpr::parse(&expr);
        let _ = fire_times(&expr, chrono_tz::Tz::Europe__Berlin, from, 3);
    }

    #[test]
    fn cron_like_expressions_never_panic(
        f in prop::collection::vec("(\\*|\\?|L|LW|[0-9]{1,2}(W|L|#[0-9])?|[0-9]{1,2}-[0-9]{1,2}(/[0-9]{1,2})?|\\*/[0-9]{1,2}|MON-FRI|JAN|[0-9]L),?", 5..8),
        from in 0i64..4_000_000_000_000,
    ) {
        let expr = f.join(" ");
        let _ = fire_times(&expr, chrono_tz::Tz::America__New_York, from, 3);
    }

    #[test]
    fn item_parsers_never_panic(text in "[0-9a-z:{}, =/.\\r\\n]{0,60}") {
        if let Ok(items) = split_task_items(&text) {
            for i in &items { let _ = parse_item(i); }
            let _ = check_items(&items);
        }
    }

    #[test]
    fn blob_readers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = TaskType::decode(&bytes);
        let _ = Strategy::decode(&bytes);
        let _ = Server::decode(&bytes);
        let _ = StrategyRuntime::decode(&bytes);
        let _ = ConfigNode::decode(&bytes);
    }

    #[test]
    fn json_shaped_blobs_decode_validate_and_reencode(
        keys in prop::collection::vec(prop::sample::select(vec![
            "baseTaskType", "heartBeatRate", "judgeDeadInterval", "threadNumber", "taskItems", "permitRunStartTime",
            "strategyName", "IPList", "kind", "taskName", "sts", "assignNum", "extra", "expireOwnSignInterval",
        ]), 0..8),
        vals in prop::collection::vec(prop::sample::select(vec![
            "1", "-1", "0", "5000", "1.5", "\"x\"", "\"0 0 1 * * ?\"", "null", "true", "[\"0\",\"1:{a}\"]", "[1,2]", "{}", "\"Schedule\"", "1e400",
            "\"NaN\"", "\"Infinity\"", "\"-Infinity\"",
        ]), 0..8),
    ) {
        let body: Vec<String> = keys.iter().zip(vals.iter()).map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let blob = format!("{{{}}}", body.join(","));
        let ctx = validate::Context { now_ms: 1_704_067_200_000, tz: chrono_tz::Tz::UTC };
        if let Ok(t) = TaskType::decode(blob.as_bytes()) {
            let _ = validate::task_type(&t, &ctx);
            // what tbdesk writes, it reads back to the same value
            let again = TaskType::decode(t.encode().as_bytes());
            prop_assert!(again.is_ok());
            // and what it reads crosses the IPC to the window and back (serde JSON)
            let wire = serde_json::to_string(&t).expect("serialize");
            let back = serde_json::from_str::<TaskType>(&wire);
            prop_assert!(back.is_ok(), "{} -> {}", blob, wire);
        }
        if let Ok(s) = Strategy::decode(blob.as_bytes()) {
            let _ = validate::strategy(&s);
            prop_assert!(Strategy::decode(s.encode().as_bytes()).is_ok());
        }
    }
}

/// Numbers from ZooKeeper, files and flags at the edges (i64/i32 extremes, negative, zero):
/// every decoder, rule, fold and diagnosis answers without panicking (debug builds check every
/// overflow) and without wrapping into a wrong verdict.
mod extremes {
    use super::*;
    use tbdesk_model::paths::Root;
    use tbdesk_model::snapshot::{fold, NodeStat, RawNode, RawTree};

    const EDGES: [i64; 9] = [i64::MIN, i64::MIN + 1, -1, 0, 1, 1000, i32::MAX as i64, i64::MAX - 1, i64::MAX];

    fn node(data: &[u8], mtime: i64, children: &[&str]) -> RawNode {
        RawNode {
            data: data.to_vec(),
            stat: NodeStat { version: i32::MAX, mtime, ctime: i64::MIN, ephemeral: false, num_children: i32::MAX },
            children: children.iter().map(|c| c.to_string()).collect(),
            unreadable: None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn extreme_numbers_never_panic(
            hb in prop::sample::select(EDGES.to_vec()),
            jd in prop::sample::select(EDGES.to_vec()),
            threads in prop::sample::select(EDGES.to_vec()),
            fetch in prop::sample::select(EDGES.to_vec()),
            mtime in prop::sample::select(EDGES.to_vec()),
            now in prop::sample::select(EDGES.to_vec()),
            step in prop::sample::select(vec!["1", "59", "2147483647", "2147483648", "-2147483648", "0"]),
        ) {
            let t = TaskType {
                base_task_type: Some("Job".into()),
                heart_beat_rate: hb,
                judge_dead_interval: jd,
                thread_number: threads,
                fetch_data_number: fetch,
                task_items: Some(vec!["0".into()]),
                permit_run_start_time: Some(format!("0/{step} * * * * ?")),
                ..TaskType::default()
            };
            let ctx = validate::Context { now_ms: now.clamp(0, 4_102_444_800_000), tz: chrono_tz::Tz::UTC };
            let _ = validate::task_type(&t, &ctx);
            let _ = fire_times(&format!("0/{step} * * * * ?"), chrono_tz::Tz::UTC, 1_704_067_200_000, 3);
            let _ = fire_times(&format!("{step} 0 12 * * ?"), chrono_tz::Tz::UTC, 1_704_067_200_000, 3);
            // Walked from any instant, i64's edges included (a hostile clock or flag).
            let _ = fire_times("0 0 1 * * ?", chrono_tz::Tz::Asia__Shanghai, now, 2);
            if threads == 0 {
                let _ = tbdesk_model::window::open_since(Some("startrun:0 0 1 * * ?"), Some("0 0 5 * * ?"), chrono_tz::Tz::UTC, mtime, now);
            }
            let root = Root::new("/r").expect("root");
            let server = format!(
                "{{\"uuid\":\"Job$dev1$1.1.1.1$A$0000000000\",\"lastFetchDataTime\":\"2024-01-01 00:00:00\",\"heartBeatTime\":\"9999-12-31 23:59:59\",\"version\":{hb}}}"
            );
            let mut tree = RawTree::new();
            tree.insert("/r".into(), node(b"tbschedule-3.2.12", mtime, &["baseTaskType", "strategy", "factory"]));
            tree.insert("/r/baseTaskType".into(), node(b"", mtime, &["Job"]));
            tree.insert("/r/baseTaskType/Job".into(), node(t.encode().as_bytes(), mtime, &["Job$dev1"]));
            tree.insert("/r/baseTaskType/Job/Job$dev1".into(), node(b"", mtime, &["server", "taskItem"]));
            tree.insert("/r/baseTaskType/Job/Job$dev1/server".into(), node(b"", mtime, &["Job$dev1$1.1.1.1$A$0000000000"]));
            tree.insert("/r/baseTaskType/Job/Job$dev1/server/Job$dev1$1.1.1.1$A$0000000000".into(), node(server.as_bytes(), mtime, &[]));
            tree.insert("/r/baseTaskType/Job/Job$dev1/taskItem".into(), node(b"", mtime, &["0"]));
            tree.insert("/r/baseTaskType/Job/Job$dev1/taskItem/0".into(), node(b"", mtime, &["cur_server"]));
            tree.insert("/r/baseTaskType/Job/Job$dev1/taskItem/0/cur_server".into(), node(b"x", mtime, &[]));
            tree.insert("/r/strategy".into(), node(b"", mtime, &[]));
            tree.insert("/r/factory".into(), node(b"", mtime, &[]));
            let snap = fold(&root, &tree, now);
            let _ = tbdesk_model::diagnose::root_findings(&snap, Some(now));
            let _ = tbdesk_model::diagnose::why_not_running(&snap, "Job", "dev1", chrono_tz::Tz::UTC);
            // a task type that is judged fine must really satisfy the rule, not a wrapped one
            if !validate::has_errors(&validate::task_type(&t, &ctx)) {
                prop_assert!(jd as i128 >= 5 * hb as i128);
            }
        }
    }

    #[test]
    fn report() {
        tbdesk_test_support::report::record(
            "bad input",
            "i64/i32 extremes in heartBeatRate, judgeDeadInterval, threads, fetch size, mtimes, clocks and cron steps",
            512,
            "validation, fold and diagnosis answer without panic or wrapped verdicts",
        );
    }
}

/// Whole roots built at random in TBSchedule's layout from hostile names and blobs (broken
/// JSON, wrong types, extreme numbers, invalid UTF-8, deep nesting, owners naming no server,
/// children listed but absent and present but unlisted): every fold, diagnosis, picture,
/// timeline, search and replay answers without panicking, and what crosses the IPC survives
/// JSON (no NaN or infinity where the page expects a number).
mod random_roots {
    use super::*;
    use proptest::strategy::Strategy as _;
    use std::sync::Arc;
    use tbdesk_model::paths::Root;
    use tbdesk_model::snapshot::{fold, Changed, Folder, NodeStat, RawNode, RawTree};

    const NAMES: &[&str] = &[
        "Job",
        "Job$dev1",
        "Job$BASE",
        "$",
        "a$b$c",
        "Job$dev1$127.0.0.1$HOST$0000000001",
        "Job$dev1$10.0.0.1$H$$0000000002",
        "x$y$1.2.3.4$z$99999999999999999999",
        "0",
        "-1",
        " ",
        "日本$夜",
        "\u{0}",
        "name-with-a-very-long-tail-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ];

    fn blobs() -> Vec<Vec<u8>> {
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        let mut v: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"null".to_vec(),
            b"{}".to_vec(),
            b"[]".to_vec(),
            vec![0xff, 0xfe, 0x00, 0xc3],
            b"tbschedule-3.2.12".to_vec(),
            b"tbschedule-3.4.0".to_vec(),
            deep.into_bytes(),
            b"{\"baseTaskType\":\"Job\",\"heartBeatRate\":0,\"judgeDeadInterval\":0,\"threadNumber\":-5,\"taskItems\":[\"0\",\"1:{a=b}\",\"\",\"0\"],\"permitRunStartTime\":\"startrun:0 0 1 * * ?\",\"permitRunEndTime\":\"-1 \",\"maxTaskItemsOfOneThreadGroup\":-9223372036854775808}".to_vec(),
            b"{\"heartBeatRate\":9223372036854775807,\"judgeDeadInterval\":-9223372036854775808,\"taskItems\":null,\"permitRunStartTime\":\"0 0 0 31 2 ?\",\"permitRunEndTime\":\"\"}".to_vec(),
            b"{\"heartBeatRate\":\"5000\",\"judgeDeadInterval\":1e400,\"taskItems\":\"0,1\"}".to_vec(),
            b"{\"strategyName\":\"S\",\"IPList\":[\"127.0.0.1\",null,\"\"],\"numOfSingleServer\":-1,\"assignNum\":9223372036854775807,\"kind\":\"Schedule\",\"taskName\":\"Job$BASE\",\"sts\":\"PAUSE\"}".to_vec(),
            b"{\"strategyName\":\"S\",\"IPList\":null,\"numOfSingleServer\":2147483648,\"assignNum\":-1,\"kind\":\"Nope\",\"taskName\":\"Job$dev1\",\"sts\":\"resume\"}".to_vec(),
            b"{\"taskName\":\"Job\",\"kind\":\"Schedule\",\"requestNum\":9223372036854775807,\"uuid\":\"\"}".to_vec(),
            b"{\"requestNum\":-9223372036854775808,\"currentNum\":\"x\"}".to_vec(),
            b"{\"uuid\":\"Job$dev1$1.1.1.1$A$0000000000\",\"heartBeatTime\":\"9999-12-31 23:59:59\",\"lastFetchDataTime\":\"0000-00-00 99:99:99\",\"version\":-1,\"threadNum\":2147483647,\"isRegister\":true}".to_vec(),
            b"{\"uuid\":5,\"heartBeatTime\":-1,\"registerTime\":\"1970-01-01 00:00:00\"}".to_vec(),
            b"{\"uuid\":\"\\ud800\",\"heartBeatTime\":\"2024-01-01 00:00:00.999999999999\"}".to_vec(),
            b"Job$dev1$127.0.0.1$HOST$0000000001".to_vec(),
            b"no-such-server".to_vec(),
            b"true".to_vec(),
            b"{\"a\":1,\"a\":2}".to_vec(),
        ];
        v.push(vec![b'x'; 70_000]);
        v
    }

    #[derive(Debug, Clone)]
    #[allow(clippy::type_complexity)] // a generated tree's shape, read once below
    struct Shape {
        task_types: Vec<(usize, usize, Vec<(usize, Vec<(usize, usize)>, Vec<(usize, Vec<(usize, usize)>)>)>)>,
        strategies: Vec<(usize, usize, Vec<(usize, usize)>)>,
        factories: Vec<(usize, usize)>,
        marker: usize,
        unlisted: bool,
        missing: bool,
        mtime: i64,
        now: i64,
    }

    fn shape() -> impl proptest::strategy::Strategy<Value = Shape> {
        let n = NAMES.len();
        let b = blobs().len();
        let pair = (0..n, 0..b);
        let item = (0..n, prop::collection::vec((0..4usize, 0..b), 0..4));
        let domain = (0..n, prop::collection::vec(pair.clone(), 0..4), prop::collection::vec(item, 0..5));
        let task_type = (0..n, 0..b, prop::collection::vec(domain, 0..3));
        let strategy = (0..n, 0..b, prop::collection::vec(pair.clone(), 0..3));
        let edges = prop::sample::select(vec![i64::MIN, -1, 0, 1, 1_704_067_200_000, 4_102_444_800_000, i64::MAX]);
        (
            prop::collection::vec(task_type, 0..3),
            prop::collection::vec(strategy, 0..3),
            prop::collection::vec(pair, 0..3),
            0..b,
            any::<bool>(),
            any::<bool>(),
            edges.clone(),
            edges,
        )
            .prop_map(|(task_types, strategies, factories, marker, unlisted, missing, mtime, now)| Shape {
                task_types,
                strategies,
                factories,
                marker,
                unlisted,
                missing,
                mtime,
                now,
            })
    }

    fn build(s: &Shape) -> RawTree {
        let blobs = blobs();
        let mut tree = RawTree::new();
        let put = |tree: &mut RawTree, path: String, data: &[u8], children: Vec<String>| {
            let stat = NodeStat {
                version: if s.unlisted { i32::MAX } else { 0 },
                mtime: s.mtime,
                ctime: s.mtime,
                ephemeral: s.missing,
                num_children: i32::try_from(children.len()).unwrap_or(i32::MAX),
            };
            tree.insert(path, RawNode { data: data.to_vec(), stat, children, unreadable: None });
        };
        let name = |i: usize| NAMES[i].to_owned();
        let tts: Vec<String> = s.task_types.iter().map(|t| name(t.0)).collect();
        let sts: Vec<String> = s.strategies.iter().map(|t| name(t.0)).collect();
        let fs: Vec<String> = s.factories.iter().map(|t| name(t.0)).collect();
        put(&mut tree, "/r".into(), &blobs[s.marker], vec!["baseTaskType".into(), "strategy".into(), "factory".into()]);
        put(&mut tree, "/r/baseTaskType".into(), b"", tts.clone());
        put(&mut tree, "/r/strategy".into(), b"", sts);
        put(&mut tree, "/r/factory".into(), b"", fs);
        for (f, data) in &s.factories {
            put(&mut tree, format!("/r/factory/{}", NAMES[*f]), &blobs[*data], vec![]);
        }
        for (st, data, runtimes) in &s.strategies {
            let p = format!("/r/strategy/{}", NAMES[*st]);
            put(&mut tree, p.clone(), &blobs[*data], runtimes.iter().map(|r| name(r.0)).collect());
            for (r, rd) in runtimes {
                put(&mut tree, format!("{p}/{}", NAMES[*r]), &blobs[*rd], vec![]);
            }
        }
        for (tt, data, domains) in &s.task_types {
            let p = format!("/r/baseTaskType/{}", NAMES[*tt]);
            put(&mut tree, p.clone(), &blobs[*data], domains.iter().map(|d| name(d.0)).collect());
            for (d, servers, items) in domains {
                let dp = format!("{p}/{}", NAMES[*d]);
                put(&mut tree, dp.clone(), b"", vec!["server".into(), "taskItem".into()]);
                put(
                    &mut tree,
                    format!("{dp}/server"),
                    if s.unlisted { b"reload=true" } else { b"" },
                    servers.iter().map(|x| name(x.0)).collect(),
                );
                for (sv, sd) in servers {
                    put(&mut tree, format!("{dp}/server/{}", NAMES[*sv]), &blobs[*sd], vec![]);
                }
                put(&mut tree, format!("{dp}/taskItem"), b"", items.iter().map(|x| name(x.0)).collect());
                for (it, fields) in items {
                    let ip = format!("{dp}/taskItem/{}", NAMES[*it]);
                    let kids = ["cur_server", "req_server", "sts", "parameter"];
                    put(&mut tree, ip.clone(), b"", fields.iter().map(|f| kids[f.0].to_owned()).collect());
                    for (f, fd) in fields {
                        put(&mut tree, format!("{ip}/{}", kids[*f]), &blobs[*fd], vec![]);
                    }
                }
            }
        }
        if s.missing {
            // Listed but absent: every second leaf goes.
            let leaves: Vec<String> =
                tree.iter().filter(|(_, n)| n.children.is_empty()).map(|(k, _)| k.clone()).step_by(2).collect();
            for k in leaves {
                tree.remove(&k);
            }
        }
        if s.unlisted {
            // Present but unlisted: a node no parent names.
            put(&mut tree, "/r/baseTaskType/Ghost".into(), b"{}", vec![]);
            put(&mut tree, "/r/strategy/Ghost/f".into(), b"{}", vec![]);
        }
        tree
    }

    #[test]
    fn report() {
        tbdesk_test_support::report::record(
            "bad input",
            "whole roots built at random from hostile names and blobs (broken JSON, wrong types, extreme numbers, invalid UTF-8, 5,000-deep nesting, 70 kB nodes, dangling owners, listed-but-absent and unlisted nodes)",
            1500,
            "fold, diagnosis, pictures, timeline, search and replay answer without panic; the snapshot survives JSON unchanged",
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

        #[test]
        fn random_roots_never_panic(s in shape(), query in "[a-zA-Z$ .0-9]{0,12}") {
            let root = Root::new("/r").expect("root");
            let tree = build(&s);
            let snap = Arc::new(fold(&root, &tree, s.now));
            let mut folder = Folder::new(root.clone());
            let again = folder.fold(&tree, s.now.saturating_add(1), &Changed::everything());
            prop_assert_eq!(snap.task_types.len(), again.task_types.len());
            let _ = tbdesk_model::diagnose::root_findings(&snap, Some(s.now));
            let _ = tbdesk_model::diagnose::root_findings(&snap, Some(i64::MIN));
            let _ = tbdesk_model::diagnose::missing_groups(&snap);
            for tt in &snap.task_types {
                for d in &tt.domains {
                    let name = tbdesk_model::names::TaskTypeName::parse(&d.task_type);
                    let _ = tbdesk_model::diagnose::why_not_running(&snap, &tt.name, &name.own_sign, chrono_tz::Tz::UTC);
                    let (judge, _) = tbdesk_model::snapshot::judge_dead_and_heartbeat(&tt.def);
                    for now in [s.now, i64::MIN, i64::MAX] {
                        let p = tbdesk_model::distribution::picture(d, &snap.strategies, now, judge);
                        let json = serde_json::to_string(&p).expect("picture to JSON");
                        prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
                        prop_assert!(!json.contains("null") || !json.contains("\"heartbeat\":null"), "{}", json);
                    }
                }
                let _ = tbdesk_model::diagnose::why_not_running(&snap, &tt.name, "BASE", chrono_tz::Tz::Asia__Shanghai);
            }
            let _ = tbdesk_model::diagnose::why_not_running(&snap, &query, &query, chrono_tz::Tz::UTC);
            let groups = vec![snap.task_types.iter().map(|t| t.name.clone()).collect::<Vec<_>>()];
            for tz in [chrono_tz::Tz::UTC, chrono_tz::Tz::America__New_York] {
                let _ = tbdesk_model::timeline::timeline(&snap, tz, s.now.clamp(0, 4_102_444_800_000), 7 * 86_400_000, &groups);
            }
            let _ = tbdesk_model::search::find(&snap, &query);
            let _ = tbdesk_model::search::find_fuzzy(&snap, &query, 50);
            let _ = tbdesk_model::search::strategies_matching(&snap, &query, Some("dev1"));
            // What the page receives must come back from JSON as it went.
            let json = serde_json::to_string(&*snap).expect("snapshot to JSON");
            let back: tbdesk_model::snapshot::Snapshot = serde_json::from_str(&json).expect("snapshot from JSON");
            prop_assert_eq!(&back, &*snap);
            let mut history = tbdesk_model::replay::History::default();
            history.observe(snap.clone());
            let empty = Arc::new(fold(&root, &RawTree::new(), s.now.saturating_add(5)));
            history.observe(empty);
            history.observe(snap.clone());
            for tt in &snap.task_types {
                for d in &tt.domains {
                    let v = history.view(&d.task_type);
                    for e in &v.events {
                        let _ = tbdesk_model::replay::describe(e);
                    }
                    let _ = tbdesk_model::replay::domain_at(d, &v.events, s.now);
                }
            }
        }
    }
}
